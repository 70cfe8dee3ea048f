package avroframe.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * Writes the Java-produced conformance fixtures: one frame file per case plus manifest.json.
 *
 * <p>Usage: {@code FixtureGenerator <output-dir>}. The output is deterministic (stable order, no
 * timestamps), so a regenerated directory can be compared byte for byte with the committed one.
 */
public final class FixtureGenerator {
  private FixtureGenerator() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: FixtureGenerator <output-dir>");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    Files.createDirectories(out);
    List<Case> cases = Cases.build();
    Map<String, Integer> ids = assignIds(cases);

    ObjectNode manifest = Manifest.header(
        "avroframe conformance FixtureGenerator: Apache Avro for Java " + Manifest.avroVersion()
            + ", Confluent KafkaAvroSerializer framing (GenericDatumWriter/ReflectDatumWriter "
            + "over EncoderFactory.directBinaryEncoder, no logical-type converters)");
    ArrayNode entries = (ArrayNode) manifest.get("cases");
    Set<String> names = new HashSet<>();
    int blocked = 0;
    int withReader = 0;
    for (Case c : cases) {
      if (!names.add(c.name)) {
        throw new IllegalStateException("duplicate case name " + c.name);
      }
      int id = ids.get(c.writer.toString());
      Schema values = c.valueSchema();
      Object datum = Values.fromJson(c.value, values);
      byte[] frame = Frames.write(id, c.writer, datum, c.encoding);
      if (c.encoding != Frames.Encoding.DIRECT) {
        blocked++;
        byte[] direct = Frames.write(id, c.writer, datum, Frames.Encoding.DIRECT);
        if (Arrays.equals(direct, frame)) {
          throw new IllegalStateException(c.name + ": " + c.encoding.label
              + " encoding produced the same bytes as the direct encoder");
        }
      }
      // Self-check: Java reads its own frame back to the same value.
      Frames.Decoded self = Frames.read(frame, c.writer, null);
      if (self.id != id) {
        throw new IllegalStateException(c.name + ": id mismatch");
      }
      // The manifest value comes from the written datum (maps keep their write order; Java reads
      // maps back into unordered HashMaps).
      JsonNode canonical = Values.toJson(datum, values);
      String diff = Values.diff(c.value, canonical, values, "$");
      if (diff == null) {
        diff = Values.diff(canonical, Values.toJson(self.datum, values), values, "$");
      }
      if (diff != null) {
        throw new IllegalStateException(c.name + ": Java round trip differs: " + diff);
      }

      ObjectNode e = entries.addObject();
      e.put("name", c.name);
      e.put("group", c.group);
      e.put("file", c.name + ".bin");
      e.put("schema_id", id);
      e.put("writer_schema", c.writer.toString());
      if (c.reader != null) {
        withReader++;
        e.put("reader_schema", c.reader.toString());
      }
      e.set("value", canonical);
      if (c.reader != null) {
        try {
          Frames.Decoded resolved = Frames.read(frame, c.writer, c.reader);
          Schema readerValues = c.underlyingLogicalValues
              ? Values.withoutLogicalTypes(c.reader)
              : c.reader;
          e.set("read_value", Values.toJson(resolved.datum, readerValues));
        } catch (Exception ex) {
          e.put("read_error", describe(ex));
        }
        boolean expectError = "read_error".equals(c.group);
        if (expectError != e.has("read_error")) {
          throw new IllegalStateException(c.name + ": read error expected=" + expectError
              + " but got " + e);
        }
      }
      if (c.underlyingLogicalValues) {
        e.put("logical_values", "underlying");
      }
      e.put("encoding", c.encoding.label);
      e.put("python_bytes_match", c.plainBytesExpected());
      e.put("frame_length", frame.length);
      if (c.note != null) {
        e.put("note", c.note);
      }
      Files.write(out.resolve(c.name + ".bin"), frame);
    }
    Json.write(out.resolve("manifest.json"), Json.pretty(manifest));
    System.out.println("FixtureGenerator: wrote " + cases.size() + " cases (" + withReader
        + " with a reader schema, " + blocked + " with blocked encodings, " + ids.size()
        + " distinct writer schemas) to " + out);
  }

  /** Equal writer schemas share an id, as in a registry; pinned ids are honoured. */
  private static Map<String, Integer> assignIds(List<Case> cases) {
    Map<String, Integer> ids = new HashMap<>();
    Set<Integer> pinned = new HashSet<>();
    for (Case c : cases) {
      if (c.fixedId != null) {
        Integer prev = ids.put(c.writer.toString(), c.fixedId);
        if ((prev != null && !prev.equals(c.fixedId)) || !pinned.add(c.fixedId)) {
          throw new IllegalStateException(c.name + ": pinned id clash");
        }
      }
    }
    int next = 1;
    for (Case c : cases) {
      String key = c.writer.toString();
      if (!ids.containsKey(key)) {
        while (pinned.contains(next)) {
          next++;
        }
        ids.put(key, next++);
      }
    }
    return ids;
  }

  /** One-line description of an exception: class name and first message line. */
  public static String describe(Throwable ex) {
    String msg = ex.getMessage() == null ? "" : ex.getMessage().split("\n", 2)[0];
    if (msg.length() > 300) {
      msg = msg.substring(0, 300) + "...";
    }
    return ex.getClass().getName() + ": " + msg;
  }
}
