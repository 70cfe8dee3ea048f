package avroframe.conformance;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** JSON helpers: a lenient reader for case definitions, a deterministic writer for manifests. */
public final class Json {
  /** Accepts single quotes so that case definitions in Java source stay readable. */
  static final ObjectMapper LENIENT =
      JsonMapper.builder()
          .enable(JsonParser.Feature.ALLOW_SINGLE_QUOTES)
          .build();

  /** Strict reader (floats as doubles, so that -0.0 keeps its sign). */
  static final ObjectMapper STRICT =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .build();

  /** Writer: two-space indentation, "\n" line ends, ASCII only (non-ASCII escaped). */
  private static final ObjectMapper WRITER =
      JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  private Json() {}

  /** Parses single-quoted JSON text into a tree. */
  static JsonNode lenient(String text) {
    try {
      return LENIENT.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException("bad JSON in case definition: " + text, e);
    }
  }

  /** Rewrites single-quoted JSON text as standard JSON text. */
  static String standard(String text) {
    return lenient(text).toString();
  }

  /** Reads a JSON file strictly. */
  public static JsonNode read(Path path) throws IOException {
    return STRICT.readTree(Files.readAllBytes(path));
  }

  /** Deterministic, pretty, ASCII-only rendering with a trailing newline. */
  static String pretty(JsonNode node) throws IOException {
    DefaultPrettyPrinter printer = new DefaultPrettyPrinter();
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    printer.indentObjectsWith(indenter);
    printer.indentArraysWith(indenter);
    String text = WRITER.writer(printer).writeValueAsString(node);
    return text + "\n";
  }

  /** Writes text as UTF-8. */
  static void write(Path path, String text) throws IOException {
    Files.write(path, text.getBytes(StandardCharsets.UTF_8));
  }
}
