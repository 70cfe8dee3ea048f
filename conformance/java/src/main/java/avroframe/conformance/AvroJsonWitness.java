package avroframe.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonDecoder;
import org.apache.avro.io.JsonEncoder;

/**
 * Apache Avro's JSON encoding as Java writes and reads it (what Confluent's console consumer
 * prints and its console producer accepts), the reference for {@code avroframe --json-encoding
 * avro}.
 *
 * <pre>
 * AvroJsonWitness encode FIXTURE_DIR   one line per manifest case: {"name", "json"} where json
 *                                      is JsonEncoder's text of the frame's value (GenericDatumReader
 *                                      with the writer schema, no logical conversions), or
 *                                      {"name", "error"}
 * AvroJsonWitness decode               reads {"name", "schema", "json"} lines on stdin; prints
 *                                      {"name", "hex"}: JsonDecoder + GenericDatumReader, then the
 *                                      binary body (GenericDatumWriter; raw for a bytes schema),
 *                                      or {"name", "error"}
 * </pre>
 */
public final class AvroJsonWitness {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private AvroJsonWitness() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (args.length == 2 && args[0].equals("encode")) {
      encode(Path.of(args[1]), out);
    } else if (args.length == 1 && args[0].equals("decode")) {
      decode(out);
    } else {
      System.err.println("usage: AvroJsonWitness encode FIXTURE_DIR | decode < requests.jsonl");
      System.exit(2);
    }
  }

  private static void encode(Path dir, PrintStream out) throws Exception {
    JsonNode manifest = MAPPER.readTree(dir.resolve("manifest.json").toFile());
    for (JsonNode c : manifest.get("cases")) {
      ObjectNode line = MAPPER.createObjectNode();
      line.put("name", c.get("name").asText());
      try {
        Schema schema = new Schema.Parser().parse(c.get("writer_schema").asText());
        byte[] frame = Files.readAllBytes(dir.resolve(c.get("file").asText()));
        byte[] body = Arrays.copyOfRange(frame, 5, frame.length);
        Object datum;
        if (schema.getType() == Schema.Type.BYTES) {
          datum = ByteBuffer.wrap(body);
        } else {
          datum = new GenericDatumReader<Object>(schema)
              .read(null, DecoderFactory.get().binaryDecoder(body, null));
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        JsonEncoder encoder = EncoderFactory.get().jsonEncoder(schema, buffer);
        new GenericDatumWriter<Object>(schema).write(datum, encoder);
        encoder.flush();
        line.put("json", buffer.toString(StandardCharsets.UTF_8).strip());
      } catch (Exception e) {
        line.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      out.println(MAPPER.writeValueAsString(line));
    }
  }

  private static void decode(PrintStream out) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String text = in.readLine(); text != null; text = in.readLine()) {
      if (text.isBlank()) {
        continue;
      }
      JsonNode request = MAPPER.readTree(text);
      ObjectNode line = MAPPER.createObjectNode();
      line.put("name", request.get("name").asText());
      try {
        Schema schema = new Schema.Parser().parse(request.get("schema").asText());
        JsonDecoder decoder = DecoderFactory.get().jsonDecoder(schema, request.get("json").asText());
        Object datum = new GenericDatumReader<Object>(schema).read(null, decoder);
        byte[] body;
        if (schema.getType() == Schema.Type.BYTES) {
          ByteBuffer buffer = (ByteBuffer) datum;
          body = new byte[buffer.remaining()];
          buffer.get(body);
        } else {
          ByteArrayOutputStream buffer = new ByteArrayOutputStream();
          BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(buffer, null);
          new GenericDatumWriter<Object>(schema).write(datum, encoder);
          encoder.flush();
          body = buffer.toByteArray();
        }
        line.put("hex", HexFormat.of().formatHex(body));
      } catch (Exception e) {
        line.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      out.println(MAPPER.writeValueAsString(line));
    }
  }
}
