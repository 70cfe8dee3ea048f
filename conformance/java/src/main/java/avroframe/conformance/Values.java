package avroframe.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.util.TimePeriod;

/**
 * Schema-directed conversion between Avro datums in their underlying (no logical-type
 * conversion) Java representation and the manifest's JSON value convention.
 *
 * <p>The convention (also stated in every manifest header):
 *
 * <ul>
 *   <li>null, boolean, int, long, string: the JSON value itself.
 *   <li>float, double: a JSON number (a float is given as the exact double value of the 32-bit
 *       float), or one of the strings "NaN", "Infinity", "-Infinity"; -0.0 keeps its sign.
 *   <li>bytes, fixed: lowercase hex string.
 *   <li>enum: the symbol. array: JSON array. map: JSON object (entry order is the write order).
 *   <li>record: JSON object with the fields in schema order.
 *   <li>union: null for the null branch, else a one-key object {branch: value} where branch is the
 *       full name of a named type or the type name ("int", "array", "map", ...), as in Avro's JSON
 *       encoding.
 *   <li>decimal: plain decimal string with exactly the schema's scale digits ("-1.50").
 *   <li>date: ISO date "2024-02-29". time-millis: "HH:MM:SS.mmm"; time-micros: "HH:MM:SS.uuuuuu".
 *   <li>timestamp-millis/micros: ISO instant in UTC with 3/6 fraction digits and "Z".
 *   <li>local-timestamp-millis/micros: ISO local date-time with 3/6 fraction digits, no offset.
 *   <li>timestamp-nanos, local-timestamp-nanos: the integer nanoseconds since the epoch.
 *   <li>uuid (on string or fixed(16)): canonical lowercase UUID string.
 *   <li>duration: [months, days, milliseconds].
 * </ul>
 */
public final class Values {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final HexFormat HEX = HexFormat.of();
  private static final Conversions.DecimalConversion DECIMAL = new Conversions.DecimalConversion();
  private static final Conversions.UUIDConversion UUIDS = new Conversions.UUIDConversion();
  private static final Conversions.DurationConversion DURATION =
      new Conversions.DurationConversion();
  private static final TimeConversions.DateConversion DATE = new TimeConversions.DateConversion();
  private static final TimeConversions.TimeMillisConversion TIME_MILLIS =
      new TimeConversions.TimeMillisConversion();
  private static final TimeConversions.TimeMicrosConversion TIME_MICROS =
      new TimeConversions.TimeMicrosConversion();
  private static final TimeConversions.TimestampMillisConversion TS_MILLIS =
      new TimeConversions.TimestampMillisConversion();
  private static final TimeConversions.TimestampMicrosConversion TS_MICROS =
      new TimeConversions.TimestampMicrosConversion();
  private static final TimeConversions.LocalTimestampMillisConversion LTS_MILLIS =
      new TimeConversions.LocalTimestampMillisConversion();
  private static final TimeConversions.LocalTimestampMicrosConversion LTS_MICROS =
      new TimeConversions.LocalTimestampMicrosConversion();

  private static final DateTimeFormatter TIME3 = timeFormatter(3);
  private static final DateTimeFormatter TIME6 = timeFormatter(6);
  private static final DateTimeFormatter LOCAL3 = localFormatter(3);
  private static final DateTimeFormatter LOCAL6 = localFormatter(6);

  private Values() {}

  private static DateTimeFormatter timeFormatter(int digits) {
    return new DateTimeFormatterBuilder()
        .appendPattern("HH:mm:ss")
        .appendFraction(ChronoField.NANO_OF_SECOND, digits, digits, true)
        .toFormatter();
  }

  private static DateTimeFormatter localFormatter(int digits) {
    return new DateTimeFormatterBuilder()
        .append(DateTimeFormatter.ISO_LOCAL_DATE)
        .appendLiteral('T')
        .append(timeFormatter(digits))
        .toFormatter();
  }

  /** The same schema with every logicalType attribute removed (values read as underlying). */
  public static Schema withoutLogicalTypes(Schema schema) {
    try {
      JsonNode tree = Json.STRICT.readTree(schema.toString());
      stripLogical(tree);
      return new Schema.Parser().parse(tree.toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void stripLogical(JsonNode node) {
    if (node.isObject()) {
      ((ObjectNode) node).remove("logicalType");
      node.forEach(Values::stripLogical);
    } else if (node.isArray()) {
      node.forEach(Values::stripLogical);
    }
  }

  /** The logical type name of a schema, or null. */
  static String logical(Schema schema) {
    LogicalType lt = schema.getLogicalType();
    return lt == null ? null : lt.getName();
  }

  /** The branch name of a union member, as in Avro's JSON encoding. */
  static String branchName(Schema branch) {
    switch (branch.getType()) {
      case RECORD:
      case ENUM:
      case FIXED:
        return branch.getFullName();
      default:
        return branch.getType().getName();
    }
  }

  // ---------------------------------------------------------------- JSON -> datum

  /** Converts a JSON value of the convention into a datum in its underlying representation. */
  public static Object fromJson(JsonNode node, Schema schema) {
    String lt = logical(schema);
    if (lt != null && !node.isNull()) {
      Object v = logicalFromJson(node, schema, lt);
      if (v != null) {
        return v;
      }
    }
    switch (schema.getType()) {
      case NULL:
        require(node.isNull(), node, schema);
        return null;
      case BOOLEAN:
        require(node.isBoolean(), node, schema);
        return node.booleanValue();
      case INT:
        require(node.isIntegralNumber() && node.canConvertToInt(), node, schema);
        return node.intValue();
      case LONG:
        require(node.isIntegralNumber() && node.canConvertToLong(), node, schema);
        return node.longValue();
      case FLOAT:
        return (float) floatingFromJson(node, schema);
      case DOUBLE:
        return floatingFromJson(node, schema);
      case STRING:
        require(node.isTextual(), node, schema);
        return node.textValue();
      case BYTES:
        require(node.isTextual(), node, schema);
        return ByteBuffer.wrap(HEX.parseHex(node.textValue()));
      case FIXED: {
        require(node.isTextual(), node, schema);
        byte[] b = HEX.parseHex(node.textValue());
        require(b.length == schema.getFixedSize(), node, schema);
        return new GenericData.Fixed(schema, b);
      }
      case ENUM:
        require(node.isTextual() && schema.hasEnumSymbol(node.textValue()), node, schema);
        return new GenericData.EnumSymbol(schema, node.textValue());
      case ARRAY: {
        require(node.isArray(), node, schema);
        GenericData.Array<Object> a = new GenericData.Array<>(node.size(), schema);
        for (JsonNode item : node) {
          a.add(fromJson(item, schema.getElementType()));
        }
        return a;
      }
      case MAP: {
        require(node.isObject(), node, schema);
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          m.put(e.getKey(), fromJson(e.getValue(), schema.getValueType()));
        }
        return m;
      }
      case RECORD: {
        require(node.isObject(), node, schema);
        GenericData.Record r = new GenericData.Record(schema);
        require(node.size() == schema.getFields().size(), node, schema);
        for (Schema.Field f : schema.getFields()) {
          require(node.has(f.name()), node, schema);
          r.put(f.pos(), fromJson(node.get(f.name()), f.schema()));
        }
        return r;
      }
      case UNION: {
        if (node.isNull()) {
          Integer idx = schema.getIndexNamed("null");
          require(idx != null, node, schema);
          return null;
        }
        require(node.isObject() && node.size() == 1, node, schema);
        String name = node.fieldNames().next();
        for (Schema branch : schema.getTypes()) {
          if (branchName(branch).equals(name)) {
            return fromJson(node.get(name), branch);
          }
        }
        throw new IllegalArgumentException("no union branch " + name + " in " + schema);
      }
      default:
        throw new IllegalArgumentException("unsupported schema " + schema);
    }
  }

  private static double floatingFromJson(JsonNode node, Schema schema) {
    if (node.isTextual()) {
      switch (node.textValue()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    require(node.isNumber(), node, schema);
    return node.doubleValue();
  }

  private static Object logicalFromJson(JsonNode node, Schema schema, String lt) {
    LogicalType type = schema.getLogicalType();
    switch (lt) {
      case "decimal": {
        require(node.isTextual(), node, schema);
        BigDecimal d = new BigDecimal(node.textValue());
        int scale = ((LogicalTypes.Decimal) type).getScale();
        require(d.scale() == scale, node, schema);
        if (schema.getType() == Schema.Type.BYTES) {
          return DECIMAL.toBytes(d, schema, type);
        }
        return DECIMAL.toFixed(d, schema, type);
      }
      case "date":
        require(node.isTextual(), node, schema);
        return DATE.toInt(LocalDate.parse(node.textValue()), schema, type);
      case "time-millis":
        require(node.isTextual(), node, schema);
        return TIME_MILLIS.toInt(LocalTime.parse(node.textValue()), schema, type);
      case "time-micros":
        require(node.isTextual(), node, schema);
        return TIME_MICROS.toLong(LocalTime.parse(node.textValue()), schema, type);
      case "timestamp-millis":
        require(node.isTextual(), node, schema);
        return TS_MILLIS.toLong(Instant.parse(node.textValue()), schema, type);
      case "timestamp-micros":
        require(node.isTextual(), node, schema);
        return TS_MICROS.toLong(Instant.parse(node.textValue()), schema, type);
      case "local-timestamp-millis":
        require(node.isTextual(), node, schema);
        return LTS_MILLIS.toLong(LocalDateTime.parse(node.textValue()), schema, type);
      case "local-timestamp-micros":
        require(node.isTextual(), node, schema);
        return LTS_MICROS.toLong(LocalDateTime.parse(node.textValue()), schema, type);
      case "timestamp-nanos":
      case "local-timestamp-nanos":
        require(node.isIntegralNumber() && node.canConvertToLong(), node, schema);
        return node.longValue();
      case "uuid": {
        require(node.isTextual(), node, schema);
        UUID u = UUID.fromString(node.textValue());
        require(u.toString().equals(node.textValue()), node, schema);
        if (schema.getType() == Schema.Type.STRING) {
          return u.toString();
        }
        return UUIDS.toFixed(u, schema, type);
      }
      case "duration": {
        require(node.isArray() && node.size() == 3, node, schema);
        TimePeriod p =
            TimePeriod.of(node.get(0).longValue(), node.get(1).longValue(),
                node.get(2).longValue());
        return DURATION.toFixed(p, schema, type);
      }
      default:
        return null;
    }
  }

  private static void require(boolean ok, JsonNode node, Schema schema) {
    if (!ok) {
      throw new IllegalArgumentException("value " + node + " does not fit schema " + schema);
    }
  }

  // ---------------------------------------------------------------- datum -> JSON

  /** Converts a datum (as read by GenericDatumReader without conversions) into the convention. */
  public static JsonNode toJson(Object datum, Schema schema) {
    String lt = logical(schema);
    if (lt != null && datum != null) {
      JsonNode v = logicalToJson(datum, schema, lt);
      if (v != null) {
        return v;
      }
    }
    switch (schema.getType()) {
      case NULL:
        expect(datum == null, datum, schema);
        return F.nullNode();
      case BOOLEAN:
        return F.booleanNode((Boolean) datum);
      case INT:
        return F.numberNode((Integer) datum);
      case LONG:
        return F.numberNode((Long) datum);
      case FLOAT:
        return floatingToJson(((Float) datum).doubleValue());
      case DOUBLE:
        return floatingToJson((Double) datum);
      case STRING:
        return F.textNode(datum.toString());
      case BYTES:
        return F.textNode(HEX.formatHex(bytesOf(datum)));
      case FIXED:
        return F.textNode(HEX.formatHex(((GenericFixed) datum).bytes()));
      case ENUM:
        return F.textNode(datum.toString());
      case ARRAY: {
        ArrayNode a = F.arrayNode();
        for (Object item : (List<?>) datum) {
          a.add(toJson(item, schema.getElementType()));
        }
        return a;
      }
      case MAP: {
        ObjectNode o = F.objectNode();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) datum).entrySet()) {
          o.set(e.getKey().toString(), toJson(e.getValue(), schema.getValueType()));
        }
        return o;
      }
      case RECORD: {
        IndexedRecord r = (IndexedRecord) datum;
        ObjectNode o = F.objectNode();
        for (Schema.Field f : schema.getFields()) {
          o.set(f.name(), toJson(r.get(f.pos()), f.schema()));
        }
        return o;
      }
      case UNION: {
        int idx = GenericData.get().resolveUnion(schema, datum);
        Schema branch = schema.getTypes().get(idx);
        if (branch.getType() == Schema.Type.NULL) {
          return F.nullNode();
        }
        ObjectNode o = F.objectNode();
        o.set(branchName(branch), toJson(datum, branch));
        return o;
      }
      default:
        throw new IllegalArgumentException("unsupported schema " + schema);
    }
  }

  static byte[] bytesOf(Object datum) {
    if (datum instanceof byte[]) {
      return (byte[]) datum;
    }
    ByteBuffer b = ((ByteBuffer) datum).duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static JsonNode floatingToJson(double d) {
    if (Double.isNaN(d)) {
      return F.textNode("NaN");
    }
    if (Double.isInfinite(d)) {
      return F.textNode(d > 0 ? "Infinity" : "-Infinity");
    }
    return F.numberNode(d);
  }

  private static JsonNode logicalToJson(Object datum, Schema schema, String lt) {
    LogicalType type = schema.getLogicalType();
    switch (lt) {
      case "decimal": {
        BigDecimal d =
            schema.getType() == Schema.Type.BYTES
                ? DECIMAL.fromBytes(ByteBuffer.wrap(bytesOf(datum)), schema, type)
                : DECIMAL.fromFixed((GenericFixed) datum, schema, type);
        return F.textNode(d.toPlainString());
      }
      case "date":
        return F.textNode(DATE.fromInt((Integer) datum, schema, type).toString());
      case "time-millis":
        return F.textNode(TIME3.format(TIME_MILLIS.fromInt((Integer) datum, schema, type)));
      case "time-micros":
        return F.textNode(TIME6.format(TIME_MICROS.fromLong((Long) datum, schema, type)));
      case "timestamp-millis":
        return F.textNode(
            LOCAL3.format(LocalDateTime.ofInstant(
                TS_MILLIS.fromLong((Long) datum, schema, type), java.time.ZoneOffset.UTC))
                + "Z");
      case "timestamp-micros":
        return F.textNode(
            LOCAL6.format(LocalDateTime.ofInstant(
                TS_MICROS.fromLong((Long) datum, schema, type), java.time.ZoneOffset.UTC))
                + "Z");
      case "local-timestamp-millis":
        return F.textNode(LOCAL3.format(LTS_MILLIS.fromLong((Long) datum, schema, type)));
      case "local-timestamp-micros":
        return F.textNode(LOCAL6.format(LTS_MICROS.fromLong((Long) datum, schema, type)));
      case "timestamp-nanos":
      case "local-timestamp-nanos":
        return F.numberNode((Long) datum);
      case "uuid":
        if (schema.getType() == Schema.Type.STRING) {
          return F.textNode(UUID.fromString(datum.toString()).toString());
        }
        return F.textNode(UUIDS.fromFixed((GenericFixed) datum, schema, type).toString());
      case "duration": {
        TimePeriod p = DURATION.fromFixed((GenericFixed) datum, schema, type);
        ArrayNode a = F.arrayNode();
        a.add(p.getMonths());
        a.add(p.getDays());
        a.add(p.getMillis());
        return a;
      }
      default:
        return null;
    }
  }

  private static void expect(boolean ok, Object datum, Schema schema) {
    if (!ok) {
      throw new IllegalArgumentException("datum " + datum + " does not fit schema " + schema);
    }
  }

  // ---------------------------------------------------------------- comparison

  /**
   * Compares two JSON values of the convention under a schema. Returns null when equal, else a
   * description of the first difference (with its path).
   */
  public static String diff(JsonNode expected, JsonNode actual, Schema schema, String path) {
    String lt = logical(schema);
    if (lt != null && !expected.isNull()) {
      switch (lt) {
        case "decimal":
          if (expected.isTextual() && actual.isTextual()) {
            return new BigDecimal(expected.textValue())
                    .compareTo(new BigDecimal(actual.textValue())) == 0
                ? null
                : mismatch(path, expected, actual);
          }
          return mismatch(path, expected, actual);
        case "timestamp-nanos":
        case "local-timestamp-nanos":
          return integral(expected, actual, path);
        case "duration": {
          if (!expected.isArray() || !actual.isArray() || expected.size() != 3
              || actual.size() != 3) {
            return mismatch(path, expected, actual);
          }
          for (int i = 0; i < 3; i++) {
            if (integral(expected.get(i), actual.get(i), path) != null) {
              return mismatch(path, expected, actual);
            }
          }
          return null;
        }
        default:
          return expected.equals(actual) ? null : mismatch(path, expected, actual);
      }
    }
    switch (schema.getType()) {
      case INT:
      case LONG:
        return integral(expected, actual, path);
      case FLOAT:
      case DOUBLE: {
        if (expected.isTextual() || actual.isTextual()) {
          return expected.equals(actual) ? null : mismatch(path, expected, actual);
        }
        if (!expected.isNumber() || !actual.isNumber()) {
          return mismatch(path, expected, actual);
        }
        double e = expected.doubleValue();
        double a = actual.doubleValue();
        if (schema.getType() == Schema.Type.FLOAT) {
          e = (float) e;
          a = (float) a;
        }
        return Double.doubleToLongBits(e) == Double.doubleToLongBits(a)
            ? null
            : mismatch(path, expected, actual);
      }
      case BYTES:
      case FIXED:
        if (expected.isTextual() && actual.isTextual()) {
          return expected.textValue().equalsIgnoreCase(actual.textValue())
              ? null
              : mismatch(path, expected, actual);
        }
        return mismatch(path, expected, actual);
      case ARRAY: {
        if (!expected.isArray() || !actual.isArray()) {
          return mismatch(path, expected, actual);
        }
        if (expected.size() != actual.size()) {
          return path + ": array length " + expected.size() + " expected, got " + actual.size();
        }
        for (int i = 0; i < expected.size(); i++) {
          String d = diff(expected.get(i), actual.get(i), schema.getElementType(),
              path + "[" + i + "]");
          if (d != null) {
            return d;
          }
        }
        return null;
      }
      case MAP: {
        if (!expected.isObject() || !actual.isObject()) {
          return mismatch(path, expected, actual);
        }
        List<String> ek = new ArrayList<>();
        expected.fieldNames().forEachRemaining(ek::add);
        List<String> ak = new ArrayList<>();
        actual.fieldNames().forEachRemaining(ak::add);
        if (!new java.util.HashSet<>(ek).equals(new java.util.HashSet<>(ak))) {
          return path + ": map keys " + ek + " expected, got " + ak;
        }
        for (String k : ek) {
          String d = diff(expected.get(k), actual.get(k), schema.getValueType(),
              path + "[" + k + "]");
          if (d != null) {
            return d;
          }
        }
        return null;
      }
      case RECORD: {
        if (!expected.isObject() || !actual.isObject()) {
          return mismatch(path, expected, actual);
        }
        for (Schema.Field f : schema.getFields()) {
          if (!expected.has(f.name()) || !actual.has(f.name())) {
            return path + "." + f.name() + ": field missing (expected "
                + expected.has(f.name()) + ", actual " + actual.has(f.name()) + ")";
          }
          String d = diff(expected.get(f.name()), actual.get(f.name()), f.schema(),
              path + "." + f.name());
          if (d != null) {
            return d;
          }
        }
        if (expected.size() != schema.getFields().size()
            || actual.size() != schema.getFields().size()) {
          return path + ": unexpected extra fields";
        }
        return null;
      }
      case UNION: {
        if (expected.isNull() || actual.isNull()) {
          return expected.isNull() && actual.isNull() ? null : mismatch(path, expected, actual);
        }
        if (!expected.isObject() || !actual.isObject()
            || expected.size() != 1 || actual.size() != 1) {
          return mismatch(path, expected, actual);
        }
        String eb = expected.fieldNames().next();
        String ab = actual.fieldNames().next();
        if (!eb.equals(ab)) {
          return path + ": union branch " + eb + " expected, got " + ab;
        }
        for (Schema branch : schema.getTypes()) {
          if (branchName(branch).equals(eb)) {
            return diff(expected.get(eb), actual.get(ab), branch, path + "<" + eb + ">");
          }
        }
        return path + ": unknown union branch " + eb;
      }
      default:
        return expected.equals(actual) ? null : mismatch(path, expected, actual);
    }
  }

  private static String integral(JsonNode expected, JsonNode actual, String path) {
    if (!expected.isIntegralNumber() || !actual.isIntegralNumber()) {
      return mismatch(path, expected, actual);
    }
    BigInteger e = expected.bigIntegerValue();
    BigInteger a = actual.bigIntegerValue();
    return e.equals(a) ? null : mismatch(path, expected, actual);
  }

  private static String mismatch(String path, JsonNode expected, JsonNode actual) {
    return path + ": expected " + abbreviate(expected) + ", got " + abbreviate(actual);
  }

  private static String abbreviate(JsonNode n) {
    String s = n.toString();
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
