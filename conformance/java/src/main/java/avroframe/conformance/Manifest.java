package avroframe.conformance;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.apache.avro.Schema;

/** The manifest header: format name, producer and the value conventions. */
final class Manifest {
  static final String FORMAT = "avroframe-conformance-fixtures";
  static final int VERSION = 1;

  private Manifest() {}

  /** The Avro for Java version on the class path (from the jar's Maven metadata). */
  static String avroVersion() {
    try (InputStream in = Schema.class.getResourceAsStream(
        "/META-INF/maven/org.apache.avro/avro/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "unknown");
      }
    } catch (IOException e) {
      // fall through
    }
    String v = Schema.class.getPackage().getImplementationVersion();
    return v == null ? "unknown" : v;
  }

  /** A new manifest object with the header filled in and an empty "cases" array. */
  static ObjectNode header(String producer) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode m = f.objectNode();
    m.put("format", FORMAT);
    m.put("version", VERSION);
    m.put("producer", producer);
    ObjectNode frame = m.putObject("frame");
    frame.put("layout", "byte 0x00 (magic), 4-byte big-endian schema id, Avro binary body");
    frame.put("toplevel_bytes",
        "a writer schema of type bytes (any logical type) has the raw value as body, with no "
            + "length prefix; readers return the rest of the frame");
    frame.put("file", "each case's frame is the whole content of <file>");
    ObjectNode fields = m.putObject("case_fields");
    fields.put("name", "unique case name; also the frame file name without .bin");
    fields.put("group", "coverage group");
    fields.put("file", "frame file, relative to the manifest");
    fields.put("schema_id", "registry id written in the frame; equal schemas share an id");
    fields.put("writer_schema", "writer schema text as Java registers it (Schema.toString())");
    fields.put("reader_schema", "optional reader schema (Schema.toString()); resolve to it");
    fields.put("value", "the written value, in the value convention, under writer_schema");
    fields.put("read_value",
        "when reader_schema is given: what Java's resolving GenericDatumReader returns, "
            + "under reader_schema");
    fields.put("read_error",
        "when reader_schema is given and Java's resolving read fails: the Java exception");
    fields.put("encoding",
        "direct (Confluent's directBinaryEncoder); blocking-direct (Avro's "
            + "blockingDirectBinaryEncoder: negative block counts with byte sizes); "
            + "blocking-buffered (BlockingBinaryEncoder, 64-byte buffer); multi-block "
            + "(several positive-count blocks)");
    fields.put("python_bytes_match",
        "true when a plain single-block encoder must reproduce the frame byte for byte; "
            + "false for blocked encodings (the value must still round-trip)");
    fields.put("logical_values",
        "\"underlying\" when the case gives logical-typed values in their underlying form "
            + "(int, long, hex) instead of the convention below, e.g. for instants that "
            + "java.time or Python cannot represent");
    fields.put("note", "optional explanation");
    ArrayNode conv = m.putArray("value_convention");
    conv.add("null, boolean, int, long, string: the JSON value itself");
    conv.add("float, double: JSON number (a float is the exact double value of the 32-bit "
        + "float), or the strings \"NaN\", \"Infinity\", \"-Infinity\"; -0.0 keeps its sign");
    conv.add("bytes, fixed: lowercase hex string");
    conv.add("enum: the symbol; array: JSON array; map: JSON object in write order");
    conv.add("record: JSON object with the fields in schema order");
    conv.add("union: null for the null branch, else {branch: value}, branch being the full name "
        + "of a named type or the type name (\"int\", \"array\", \"map\"), as in Avro JSON");
    conv.add("decimal (bytes or fixed): plain decimal string with exactly the schema's scale "
        + "digits, e.g. \"-1.50\"");
    conv.add("date: ISO date \"2024-02-29\"");
    conv.add("time-millis: \"HH:MM:SS.mmm\"; time-micros: \"HH:MM:SS.uuuuuu\"");
    conv.add("timestamp-millis / timestamp-micros: UTC instant \"YYYY-MM-DDTHH:MM:SS.mmmZ\" "
        + "with 3 / 6 fraction digits");
    conv.add("local-timestamp-millis / local-timestamp-micros: \"YYYY-MM-DDTHH:MM:SS.mmm\" "
        + "with 3 / 6 fraction digits, no offset");
    conv.add("timestamp-nanos, local-timestamp-nanos: integer nanoseconds since the epoch");
    conv.add("uuid (on string or fixed(16)): canonical lowercase UUID string");
    conv.add("duration: [months, days, milliseconds]");
    m.putArray("cases");
    return m;
  }
}
