package avroframe.conformance.kafka;

import avroframe.conformance.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.avro.Schema;

/**
 * The expected-values file shared by the Kafka checks and the Python integration test:
 *
 * <pre>
 * {
 *   "writer_schema": "&lt;Avro schema text&gt;",   producers write with it
 *   "values": [ ... ],                          under writer_schema, in the fixtures' convention
 *   "reader_schema": "&lt;Avro schema text&gt;",   optional: consumers resolve to it
 *   "read_values": [ ... ]                      required with reader_schema, under reader_schema
 * }
 * </pre>
 *
 * <p>Message i (its Kafka key is the UTF-8 decimal string "i") carries values[i % len(values)].
 */
final class ValuesFile {
  final Schema writer;
  final JsonNode values;
  final Schema reader;
  final JsonNode readValues;

  private ValuesFile(Schema writer, JsonNode values, Schema reader, JsonNode readValues) {
    this.writer = writer;
    this.values = values;
    this.reader = reader;
    this.readValues = readValues;
  }

  static ValuesFile load(Path path) throws IOException {
    JsonNode root = Json.read(path);
    if (!root.path("writer_schema").isTextual() || !root.path("values").isArray()
        || root.get("values").isEmpty()) {
      throw new IOException(path + ": needs writer_schema (text) and a non-empty values array");
    }
    Schema writer = new Schema.Parser().parse(root.get("writer_schema").asText());
    Schema reader = null;
    JsonNode readValues = null;
    if (root.hasNonNull("reader_schema")) {
      reader = new Schema.Parser().parse(root.get("reader_schema").asText());
      readValues = root.get("read_values");
      if (readValues == null || !readValues.isArray()
          || readValues.size() != root.get("values").size()) {
        throw new IOException(path + ": read_values must match values in length");
      }
    }
    return new ValuesFile(writer, root.get("values"), reader, readValues);
  }

  /** The value to write for message {@code index}. */
  JsonNode valueFor(long index) {
    return values.get((int) (index % values.size()));
  }

  /** The schema a consumer compares decoded values under. */
  Schema target() {
    return reader != null ? reader : writer;
  }

  /** The value a consumer expects for message {@code index}. */
  JsonNode expectedFor(long index) {
    JsonNode list = reader != null ? readValues : values;
    return list.get((int) (index % list.size()));
  }
}
