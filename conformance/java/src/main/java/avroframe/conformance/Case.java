package avroframe.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.Schema;

/** One conformance case: a writer schema and value, optionally a reader schema. */
final class Case {
  final String name;
  final String group;
  final Schema writer;
  final JsonNode value;
  Schema reader;
  Frames.Encoding encoding = Frames.Encoding.DIRECT;
  Integer fixedId;
  String note;
  boolean underlyingLogicalValues;

  Case(String name, String group, Schema writer, JsonNode value) {
    this.name = name;
    this.group = group;
    this.writer = writer;
    this.value = value;
  }

  /** Sets the reader schema (a schema-evolution case). */
  Case reader(Schema r) {
    this.reader = r;
    return this;
  }

  /** Sets the body encoding. */
  Case encoding(Frames.Encoding e) {
    this.encoding = e;
    return this;
  }

  /** Pins the registry id of this case's writer schema. */
  Case id(int id) {
    this.fixedId = id;
    return this;
  }

  /** Gives logical-typed values in their underlying form (for values java.time cannot hold). */
  Case underlying() {
    this.underlyingLogicalValues = true;
    return this;
  }

  /** The schema the case's JSON values are interpreted under. */
  Schema valueSchema() {
    return underlyingLogicalValues ? Values.withoutLogicalTypes(writer) : writer;
  }

  /** Attaches a human-readable note, copied into the manifest. */
  Case note(String text) {
    this.note = text;
    return this;
  }

  /** True when a plain (single-block, direct) writer is expected to produce the same bytes. */
  boolean plainBytesExpected() {
    return encoding == Frames.Encoding.DIRECT;
  }
}
