package avroframe.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;

/**
 * Verifies a fixture directory (manifest.json + frame files, in the layout FixtureGenerator
 * writes) with Apache Avro for Java: every frame must carry magic 0 and the case's schema id, and
 * must decode (GenericDatumReader, resolving to reader_schema when given, no trailing bytes) to the
 * expected value ("read_value" when a reader schema is given, else "value"). A case with
 * "read_error" must fail to decode.
 *
 * <p>Usage: {@code FixtureChecker <dir> [--quiet]}. Prints one line per case and a closing
 * "FixtureChecker: N passed, N failed" line; exits 1 on any failure, 2 on bad usage or manifest.
 */
public final class FixtureChecker {
  private FixtureChecker() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    if (args.length < 1 || args.length > 2 || (args.length == 2 && !"--quiet".equals(args[1]))) {
      System.err.println("usage: FixtureChecker <dir> [--quiet]");
      System.exit(2);
    }
    boolean quiet = args.length == 2;
    Path dir = Path.of(args[0]);
    JsonNode manifest;
    try {
      manifest = Json.read(dir.resolve("manifest.json"));
    } catch (Exception e) {
      System.err.println("FixtureChecker: cannot read " + dir.resolve("manifest.json") + ": "
          + e.getMessage());
      System.exit(2);
      return;
    }
    if (!Manifest.FORMAT.equals(manifest.path("format").asText())
        || !manifest.path("cases").isArray()) {
      System.err.println("FixtureChecker: not a " + Manifest.FORMAT + " manifest");
      System.exit(2);
    }
    System.out.println("FixtureChecker: Apache Avro for Java " + Manifest.avroVersion()
        + " checking " + manifest.path("producer").asText("?"));
    int passed = 0;
    int failed = 0;
    for (JsonNode c : manifest.get("cases")) {
      String name = c.path("name").asText("?");
      String problem;
      try {
        problem = check(dir, c);
      } catch (Exception e) {
        problem = "checker error: " + FixtureGenerator.describe(e);
      }
      if (problem == null) {
        passed++;
        if (!quiet) {
          System.out.println("ok   " + name);
        }
      } else {
        failed++;
        System.out.println("FAIL " + name + ": " + problem);
      }
    }
    System.out.println("FixtureChecker: " + passed + " passed, " + failed + " failed");
    System.exit(failed == 0 ? 0 : 1);
  }

  /** Returns null when the case passes, else what is wrong. */
  private static String check(Path dir, JsonNode c) throws Exception {
    byte[] frame = Files.readAllBytes(dir.resolve(c.get("file").asText()));
    int id = c.get("schema_id").asInt();
    Schema writer = new Schema.Parser().parse(c.get("writer_schema").asText());
    Schema reader = c.hasNonNull("reader_schema")
        ? new Schema.Parser().parse(c.get("reader_schema").asText())
        : null;
    boolean expectError = c.has("read_error");
    Frames.Decoded decoded;
    try {
      decoded = Frames.read(frame, writer, reader);
    } catch (Exception e) {
      if (expectError) {
        return null;
      }
      return "Java cannot decode the frame: " + FixtureGenerator.describe(e);
    }
    if (decoded.id != id) {
      return "schema id " + decoded.id + " in the frame, expected " + id;
    }
    if (expectError) {
      return "decoding should fail (Java: " + c.get("read_error").asText() + ") but gave "
          + Values.toJson(decoded.datum, reader == null ? writer : reader);
    }
    Schema target = reader == null || writer.getType() == Schema.Type.BYTES ? writer : reader;
    if ("underlying".equals(c.path("logical_values").asText())) {
      target = Values.withoutLogicalTypes(target);
    }
    JsonNode expected = reader == null ? c.get("value") : c.get("read_value");
    if (expected == null) {
      return "manifest case has no expected value";
    }
    JsonNode actual = Values.toJson(decoded.datum, target);
    return Values.diff(expected, actual, target, "$");
  }
}
