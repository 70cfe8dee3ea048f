package avroframe.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The conformance cases. Schemas and values are written as single-quoted JSON for readability;
 * values follow the convention documented in {@link Values}. Order is stable: it is the manifest
 * order.
 */
final class Cases {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final List<Case> all = new ArrayList<>();

  private Cases() {}

  /** All cases, in manifest order. */
  static List<Case> build() {
    Cases c = new Cases();
    c.primitives();
    c.records();
    c.namespaces();
    c.enumsAndFixed();
    c.arrays();
    c.maps();
    c.unions();
    c.recursive();
    c.logicalTypes();
    c.beyondPythonRange();
    c.ids();
    c.defaults();
    c.evolution();
    c.readErrors();
    return c.all;
  }

  // ------------------------------------------------------------------ helpers

  private static Schema schema(String text) {
    return new Schema.Parser().parse(Json.standard(text));
  }

  private Case add(String group, String name, String schemaText, String value) {
    return add(group, name, schemaText, Json.lenient(value));
  }

  private Case add(String group, String name, String schemaText, JsonNode value) {
    Case c = new Case(name, group, schema(schemaText), value);
    all.add(c);
    return c;
  }

  private Case evo(String group, String name, String writer, String reader, String value) {
    return add(group, name, writer, value).reader(schema(reader));
  }

  /** A one-field record schema named {@code name} with field {@code f} of the given type. */
  private static String rec(String name, String fieldType) {
    return "{'type':'record','name':'" + name + "','namespace':'conformance','fields':["
        + "{'name':'f','type':" + fieldType + "}]}";
  }

  private static String f(String value) {
    return "{'f':" + value + "}";
  }

  // ------------------------------------------------------------------ primitives

  private void primitives() {
    String g = "primitive";
    add(g, "boolean_true", "'boolean'", "true");
    add(g, "boolean_false", "'boolean'", "false");
    add(g, "int_zero", "'int'", "0");
    add(g, "int_one", "'int'", "1");
    add(g, "int_minus_one", "'int'", "-1");
    add(g, "int_63", "'int'", "63");
    add(g, "int_64", "'int'", "64");
    add(g, "int_minus_64", "'int'", "-64");
    add(g, "int_minus_65", "'int'", "-65");
    add(g, "int_8192", "'int'", "8192");
    add(g, "int_max", "'int'", "2147483647");
    add(g, "int_min", "'int'", "-2147483648");
    add(g, "long_zero", "'long'", "0");
    add(g, "long_minus_one", "'long'", "-1");
    add(g, "long_2_31", "'long'", "2147483648");
    add(g, "long_2_53_plus_1", "'long'", "9007199254740993");
    add(g, "long_max", "'long'", "9223372036854775807");
    add(g, "long_min", "'long'", "-9223372036854775808");
    add(g, "float_zero", "'float'", "0.0");
    add(g, "float_negative_zero", "'float'", "-0.0");
    add(g, "float_one_and_half", "'float'", "1.5");
    add(g, "float_tenth", "'float'", "0.1");
    add(g, "float_max", "'float'", "3.4028234663852886E38");
    add(g, "float_min_subnormal", "'float'", "1.401298464324817E-45");
    add(g, "float_nan", "'float'", "'NaN'");
    add(g, "float_infinity", "'float'", "'Infinity'");
    add(g, "float_negative_infinity", "'float'", "'-Infinity'");
    add(g, "double_zero", "'double'", "0.0");
    add(g, "double_negative_zero", "'double'", "-0.0");
    add(g, "double_tenth", "'double'", "0.1");
    add(g, "double_pi", "'double'", "3.141592653589793");
    add(g, "double_max", "'double'", "1.7976931348623157E308");
    add(g, "double_min_subnormal", "'double'", "4.9E-324");
    add(g, "double_nan", "'double'", "'NaN'");
    add(g, "double_infinity", "'double'", "'Infinity'");
    add(g, "double_negative_infinity", "'double'", "'-Infinity'");
    add(g, "string_empty", "'string'", "''");
    add(g, "string_ascii", "'string'", "'hello, world'");
    add(g, "string_non_ascii", "'string'", "'h\u00e9llo w\u00f6rld \u2014 \u65e5\u672c\u8a9e'");
    add(g, "string_astral", "'string'", "'\ud83d\ude00\ud83c\udf89 emoji'");
    add(g, "string_nul_and_controls", "'string'", "'a\\u0000b\\n\\t\\\"c'");
    add(g, "string_long", "'string'", F.textNode("abcdefghi\u00e9".repeat(100)));
    add(g, "bytes_empty", "'bytes'", "''")
        .note("top-level bytes: raw body, so the frame is the 5-byte header alone");
    add(g, "bytes_binary", "'bytes'", "'00ff807f0a'")
        .note("top-level bytes: raw body without a length prefix");
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      hex.append(String.format("%02x", i % 256));
    }
    add(g, "bytes_300", "'bytes'", F.textNode(hex.toString()))
        .note("top-level bytes: raw body without a length prefix");
  }

  // ------------------------------------------------------------------ records

  private void records() {
    String g = "record";
    add(g, "record_simple",
        "{'type':'record','name':'User','namespace':'com.example','fields':["
            + "{'name':'id','type':'int'},{'name':'name','type':'string'},"
            + "{'name':'active','type':'boolean'}]}",
        "{'id':42,'name':'Ada','active':true}");
    add(g, "record_no_fields", "{'type':'record','name':'Empty','fields':[]}", "{}")
        .note("a record without fields has an empty body: the frame is 5 bytes");
    add(g, "record_all_primitives",
        "{'type':'record','name':'AllPrimitives','fields':["
            + "{'name':'n','type':'null'},{'name':'b','type':'boolean'},"
            + "{'name':'i','type':'int'},{'name':'l','type':'long'},"
            + "{'name':'fl','type':'float'},{'name':'d','type':'double'},"
            + "{'name':'by','type':'bytes'},{'name':'s','type':'string'}]}",
        "{'n':null,'b':false,'i':-123456,'l':1234567890123,'fl':-2.5,'d':6.02214076E23,"
            + "'by':'deadbeef','s':'\u00fcber'}");
    add(g, "record_bytes_field_empty",
        "{'type':'record','name':'BytesHolder','fields':[{'name':'b','type':'bytes'},"
            + "{'name':'s','type':'string'}]}",
        "{'b':'','s':''}")
        .note("bytes inside a record are length-prefixed as usual");
    add(g, "record_nested_three_levels",
        "{'type':'record','name':'Outer','namespace':'nest','fields':["
            + "{'name':'middle','type':{'type':'record','name':'Middle','fields':["
            + "{'name':'inner','type':{'type':'record','name':'Inner','fields':["
            + "{'name':'x','type':'int'},{'name':'y','type':'string'}]}},"
            + "{'name':'z','type':'long'}]}},{'name':'tag','type':'string'}]}",
        "{'middle':{'inner':{'x':7,'y':'deep'},'z':-9},'tag':'t'}");
    add(g, "record_named_type_reused",
        "{'type':'record','name':'Line','fields':["
            + "{'name':'start','type':{'type':'record','name':'Point','fields':["
            + "{'name':'x','type':'double'},{'name':'y','type':'double'}]}},"
            + "{'name':'end','type':'Point'}]}",
        "{'start':{'x':0.0,'y':-1.5},'end':{'x':2.25,'y':1.0E10}}");
    add(g, "record_keyword_field_names",
        "{'type':'record','name':'Keywords','fields':[{'name':'type','type':'string'},"
            + "{'name':'name','type':'int'},{'name':'record','type':'boolean'},"
            + "{'name':'null','type':'null'},{'name':'_under_score9','type':'long'}]}",
        "{'type':'t','name':1,'record':true,'null':null,'_under_score9':2}");
    add(g, "record_doc_and_custom_properties",
        "{'type':'record','name':'Documented','namespace':'props','doc':'A record with docs',"
            + "'connect.name':'props.Documented','custom':{'nested':[1,2]},'fields':["
            + "{'name':'a','type':{'type':'string','avro.java.string':'String'},"
            + "'doc':'field doc','order':'descending','x-prop':true},"
            + "{'name':'b','type':{'type':'int','connect.type':'int16'},'default':3}]}",
        "{'a':'documented','b':5}")
        .note("docs, field order and custom properties do not change the encoding");
  }

  // ------------------------------------------------------------------ namespaces

  private void namespaces() {
    String g = "namespace";
    add(g, "ns_inherited_short_name_reference",
        "{'type':'record','name':'Customer','namespace':'com.acme','fields':["
            + "{'name':'home','type':{'type':'record','name':'Address','fields':["
            + "{'name':'city','type':'string'}]}},"
            + "{'name':'work','type':'Address'},{'name':'billing','type':'com.acme.Address'}]}",
        "{'home':{'city':'Oslo'},'work':{'city':'Bergen'},'billing':{'city':'Troms\u00f8'}}");
    add(g, "ns_explicit_nested_namespace",
        "{'type':'record','name':'Order','namespace':'com.acme','fields':["
            + "{'name':'item','type':{'type':'record','name':'Item','namespace':'org.catalog',"
            + "'fields':[{'name':'sku','type':'string'},{'name':'kind','type':{'type':'enum',"
            + "'name':'Kind','symbols':['BOOK','TOOL']}}]}},"
            + "{'name':'other_kind','type':'org.catalog.Kind'},"
            + "{'name':'maybe_item','type':['null','org.catalog.Item']}]}",
        "{'item':{'sku':'A-1','kind':'TOOL'},'other_kind':'BOOK',"
            + "'maybe_item':{'org.catalog.Item':{'sku':'B-2','kind':'BOOK'}}}");
    add(g, "ns_dotted_name_overrides_namespace",
        "{'type':'record','name':'org.dotted.Envelope','namespace':'ignored.space','fields':["
            + "{'name':'payload','type':{'type':'record','name':'Payload','fields':["
            + "{'name':'v','type':'int'}]}},"
            + "{'name':'again','type':['null','org.dotted.Payload']}]}",
        "{'payload':{'v':1},'again':{'org.dotted.Payload':{'v':2}}}");
    add(g, "ns_empty_namespace_resets",
        "{'type':'record','name':'Wrapper','namespace':'com.acme','fields':["
            + "{'name':'plain','type':{'type':'record','name':'Plain','namespace':'','fields':["
            + "{'name':'v','type':'string'}]}},"
            + "{'name':'choice','type':['null','Plain']}]}",
        "{'plain':{'v':'no namespace'},'choice':{'Plain':{'v':'x'}}}")
        .note("namespace '' puts Plain in the null namespace; the union branch is named 'Plain'");
    add(g, "ns_same_short_name_two_namespaces",
        "{'type':'record','name':'Pair','namespace':'top','fields':["
            + "{'name':'a','type':{'type':'record','name':'Id','namespace':'left','fields':["
            + "{'name':'n','type':'int'}]}},"
            + "{'name':'b','type':{'type':'record','name':'Id','namespace':'right','fields':["
            + "{'name':'s','type':'string'}]}},"
            + "{'name':'either','type':['left.Id','right.Id']}]}",
        "{'a':{'n':1},'b':{'s':'r'},'either':{'right.Id':{'s':'chosen'}}}");
  }

  // ------------------------------------------------------------------ enums and fixed

  private void enumsAndFixed() {
    String g = "enum";
    String suit =
        "{'type':'enum','name':'Suit','namespace':'cards','symbols':"
            + "['SPADES','HEARTS','DIAMONDS','CLUBS']}";
    add(g, "enum_first_symbol", suit, "'SPADES'");
    add(g, "enum_last_symbol", suit, "'CLUBS'");
    add(g, "enum_in_record_with_default_attribute",
        rec("EnumHolder", "{'type':'enum','name':'Color','symbols':['RED','GREEN','BLUE'],"
            + "'default':'RED','doc':'colors'}"),
        f("'BLUE'"));
    g = "fixed";
    add(g, "fixed_toplevel_4", "{'type':'fixed','name':'Four','size':4}", "'00ff10ab'")
        .note("top-level fixed is written as is (no length prefix), like any fixed");
    add(g, "fixed_size_1", "{'type':'fixed','name':'One','namespace':'fx','size':1}", "'80'");
    add(g, "fixed_16_in_record", rec("FixedHolder", "{'type':'fixed','name':'Md5','size':16}"),
        f("'000102030405060708090a0b0c0d0e0f'"));
  }

  // ------------------------------------------------------------------ arrays

  private void arrays() {
    String g = "array";
    String ints = "{'type':'array','items':'int'}";
    add(g, "array_empty", ints, "[]");
    add(g, "array_ints", ints, "[1,-1,2147483647,-2147483648,0]");
    add(g, "array_of_records",
        "{'type':'array','items':{'type':'record','name':'Tag','fields':["
            + "{'name':'k','type':'string'},{'name':'v','type':'long'}]}}",
        "[{'k':'a','v':1},{'k':'b','v':-2}]");
    add(g, "array_of_arrays", "{'type':'array','items':" + ints + "}", "[[1,2],[],[3]]");
    add(g, "array_of_unions", "{'type':'array','items':['null','string','int']}",
        "[null,{'string':'x'},{'int':5},null]");
    ArrayNode large = F.arrayNode();
    for (long i = 0; i < 1000; i++) {
      large.add(i * i * 1000003L - 500000000000L);
    }
    add(g, "array_large_1000_longs", "{'type':'array','items':'long'}", large);
    add(g, "array_blocking_direct", ints, "[1,2,3,4,5,6,7,8,9,10]")
        .encoding(Frames.Encoding.BLOCKING_DIRECT)
        .note("written by Avro's blockingDirectBinaryEncoder: negative count + byte size");
    ArrayNode words = F.arrayNode();
    for (int i = 0; i < 40; i++) {
      words.add("word-" + i + "-\u00e5");
    }
    add(g, "array_blocking_buffered", "{'type':'array','items':'string'}", words)
        .encoding(Frames.Encoding.BLOCKING_BUFFERED)
        .note("written by Avro's BlockingBinaryEncoder with a 64-byte buffer: several blocks");
    add(g, "array_multi_block", ints, "[10,20,30,40,50]")
        .encoding(Frames.Encoding.MULTI_BLOCK)
        .note("three blocks with positive counts 2, 2, 1");
    add(g, "array_nested_blocking_direct", "{'type':'array','items':" + ints + "}",
        "[[1,2,3],[],[4]]")
        .encoding(Frames.Encoding.BLOCKING_DIRECT);
  }

  // ------------------------------------------------------------------ maps

  private void maps() {
    String g = "map";
    String longs = "{'type':'map','values':'long'}";
    add(g, "map_empty", longs, "{}");
    add(g, "map_longs", longs, "{'one':1,'minus':-1,'big':9223372036854775807}");
    add(g, "map_of_records",
        "{'type':'map','values':{'type':'record','name':'Cell','fields':["
            + "{'name':'v','type':'double'}]}}",
        "{'a':{'v':1.5},'b':{'v':-0.0}}");
    add(g, "map_of_arrays", "{'type':'map','values':{'type':'array','items':'string'}}",
        "{'x':['p','q'],'y':[]}");
    add(g, "map_of_maps", "{'type':'map','values':" + longs + "}",
        "{'outer':{'inner':1},'empty':{}}");
    add(g, "map_non_ascii_and_empty_keys", "{'type':'map','values':'string'}",
        "{'':'empty key','cl\u00e9':'accent','\u65e5\u672c':'cjk'}");
    ObjectNode big = F.objectNode();
    for (int i = 0; i < 300; i++) {
      big.put(String.format("key-%03d", i), (long) i * 7919 - 1000);
    }
    add(g, "map_large_300", longs, big);
    add(g, "map_blocking_direct", longs, "{'a':1,'b':2,'c':3}")
        .encoding(Frames.Encoding.BLOCKING_DIRECT);
    ObjectNode mb = F.objectNode();
    for (int i = 0; i < 30; i++) {
      mb.put("entry-" + i, "value-" + i);
    }
    add(g, "map_blocking_buffered", "{'type':'map','values':'string'}", mb)
        .encoding(Frames.Encoding.BLOCKING_BUFFERED);
    add(g, "map_multi_block", longs, "{'a':1,'b':2,'c':3,'d':4,'e':5}")
        .encoding(Frames.Encoding.MULTI_BLOCK);
  }

  // ------------------------------------------------------------------ unions

  private void unions() {
    String g = "union";
    String nullFirst = rec("NullFirst", "['null','string']");
    add(g, "union_null_first_null", nullFirst, f("null"));
    add(g, "union_null_first_value", nullFirst, f("{'string':'present'}"));
    String nullLast = rec("NullLast", "['string','null']");
    add(g, "union_null_last_null", nullLast, f("null"));
    add(g, "union_null_last_value", nullLast, f("{'string':'present'}"));
    add(g, "union_toplevel_string", "['null','string']", "{'string':'top'}")
        .note("a top-level union (Confluent writes it when the schema comes from the registry)");
    add(g, "union_toplevel_record",
        "['null',{'type':'record','name':'TopRec','fields':[{'name':'a','type':'int'}]}]",
        "{'TopRec':{'a':1}}");
    String many = rec("ManyBranches",
        "['null','boolean','int','long','float','double','string','bytes']");
    add(g, "union_many_null", many, f("null"));
    add(g, "union_many_boolean", many, f("{'boolean':true}"));
    add(g, "union_many_int", many, f("{'int':-3}"));
    add(g, "union_many_long_small", many, f("{'long':5}"))
        .note("Java picks the long branch for a Long; the value would also fit the int branch");
    add(g, "union_many_long_big", many, f("{'long':-4294967296}"));
    add(g, "union_many_float", many, f("{'float':0.5}"));
    add(g, "union_many_double", many, f("{'double':0.1}"))
        .note("a double that a float branch (listed first) could not hold exactly");
    add(g, "union_many_string", many, f("{'string':'s'}"));
    add(g, "union_many_bytes", many, f("{'bytes':'00'}"));
    String containers = rec("ContainerBranches",
        "['null',{'type':'array','items':'int'},{'type':'map','values':'int'}]");
    add(g, "union_array_branch", containers, f("{'array':[1,2]}"));
    add(g, "union_map_branch", containers, f("{'map':{'k':1}}"));
    String twins = rec("Twins",
        "['null',{'type':'record','name':'A','fields':[{'name':'x','type':'int'}]},"
            + "{'type':'record','name':'B','fields':[{'name':'x','type':'int'}]}]");
    add(g, "union_identical_records_first", twins, f("{'conformance.A':{'x':1}}"));
    add(g, "union_identical_records_second", twins, f("{'conformance.B':{'x':1}}"))
        .note("records A and B have the same shape; the branch is chosen by record name");
    String named = rec("NamedBranches",
        "[{'type':'enum','name':'E','symbols':['X','Y']},{'type':'fixed','name':'F2','size':2},"
            + "{'type':'record','name':'R','fields':[{'name':'e','type':'E'}]},'string']");
    add(g, "union_enum_branch", named, f("{'conformance.E':'Y'}"));
    add(g, "union_fixed_branch", named, f("{'conformance.F2':'abcd'}"));
    add(g, "union_record_branch", named, f("{'conformance.R':{'e':'X'}}"));
    String fixedTwins = rec("FixedTwins",
        "[{'type':'fixed','name':'Left4','size':4},{'type':'fixed','name':'Right4','size':4}]");
    add(g, "union_identical_fixed_second", fixedTwins, f("{'conformance.Right4':'01020304'}"));
  }

  // ------------------------------------------------------------------ recursive types

  private void recursive() {
    String g = "recursive";
    add(g, "recursive_linked_list",
        "{'type':'record','name':'Node','namespace':'list','fields':[{'name':'value','type':'int'},"
            + "{'name':'next','type':['null','Node']}]}",
        "{'value':1,'next':{'list.Node':{'value':2,'next':{'list.Node':{'value':3,'next':null}}}}}");
    add(g, "recursive_tree",
        "{'type':'record','name':'Tree','fields':[{'name':'label','type':'string'},"
            + "{'name':'children','type':{'type':'array','items':'Tree'}}]}",
        "{'label':'root','children':[{'label':'a','children':[]},"
            + "{'label':'b','children':[{'label':'b1','children':[]}]}]}");
    add(g, "recursive_mutual",
        "{'type':'record','name':'Ping','fields':[{'name':'n','type':'int'},"
            + "{'name':'pong','type':['null',{'type':'record','name':'Pong','fields':["
            + "{'name':'s','type':'string'},{'name':'ping','type':['null','Ping']}]}]}]}",
        "{'n':1,'pong':{'Pong':{'s':'a','ping':{'Ping':{'n':2,'pong':null}}}}}");
    add(g, "recursive_json_like",
        "{'type':'record','name':'Value','fields':[{'name':'v','type':['null','boolean',"
            + "'long','string',{'type':'array','items':'Value'},"
            + "{'type':'map','values':'Value'}]}]}",
        "{'v':{'map':{'list':{'v':{'array':[{'v':{'long':1}},{'v':{'string':'two'}},"
            + "{'v':null}]}},'flag':{'v':{'boolean':false}}}}}");
  }

  // ------------------------------------------------------------------ logical types

  private void logicalTypes() {
    String g = "logical";
    String dec = rec("DecimalBytes",
        "{'type':'bytes','logicalType':'decimal','precision':10,'scale':2}");
    add(g, "decimal_bytes_zero", dec, f("'0.00'"))
        .note("Java encodes unscaled 0 as the single byte 00");
    add(g, "decimal_bytes_positive", dec, f("'123.45'"));
    add(g, "decimal_bytes_negative", dec, f("'-123.45'"));
    add(g, "decimal_bytes_127", dec, f("'1.27'"));
    add(g, "decimal_bytes_128", dec, f("'1.28'"))
        .note("unscaled 128 needs a leading 00 byte (two's complement, minimal length)");
    add(g, "decimal_bytes_minus_128", dec, f("'-1.28'"));
    add(g, "decimal_bytes_minus_129", dec, f("'-1.29'"));
    String dec38 = rec("Decimal38",
        "{'type':'bytes','logicalType':'decimal','precision':38,'scale':0}");
    add(g, "decimal_bytes_precision_38_max", dec38, f("'99999999999999999999999999999999999999'"));
    add(g, "decimal_bytes_precision_38_min", dec38,
        f("'-99999999999999999999999999999999999999'"));
    String decFixed = rec("DecimalFixed",
        "{'type':'fixed','name':'Money','size':8,'logicalType':'decimal','precision':18,"
            + "'scale':4}");
    add(g, "decimal_fixed_zero", decFixed, f("'0.0000'"));
    add(g, "decimal_fixed_positive", decFixed, f("'12345.6789'"));
    add(g, "decimal_fixed_negative", decFixed, f("'-12345.6789'"))
        .note("negative decimals on fixed are sign-extended with ff bytes");
    add(g, "decimal_fixed_minus_one_unit", decFixed, f("'-0.0001'"));
    add(g, "decimal_toplevel_bytes_raw",
        "{'type':'bytes','logicalType':'decimal','precision':6,'scale':2}", "'-1.50'")
        .note("the writer schema's type is bytes, so Confluent writes the unscaled two's-"
            + "complement bytes raw (no length prefix) and its deserializer returns the rest of "
            + "the frame as a byte array, without decimal conversion");

    String date = rec("DateHolder", "{'type':'int','logicalType':'date'}");
    add(g, "date_epoch", date, f("'1970-01-01'"));
    add(g, "date_leap_day", date, f("'2024-02-29'"));
    add(g, "date_before_epoch", date, f("'1969-12-31'"));
    add(g, "date_year_1", date, f("'0001-01-01'"));
    add(g, "date_year_9999", date, f("'9999-12-31'"));
    add(g, "date_toplevel", "{'type':'int','logicalType':'date'}", "'2000-01-01'");

    String tms = rec("TimeMillis", "{'type':'int','logicalType':'time-millis'}");
    add(g, "time_millis_midnight", tms, f("'00:00:00.000'"));
    add(g, "time_millis_last", tms, f("'23:59:59.999'"));
    add(g, "time_millis_mid", tms, f("'12:34:56.789'"));
    String tus = rec("TimeMicros", "{'type':'long','logicalType':'time-micros'}");
    add(g, "time_micros_midnight", tus, f("'00:00:00.000000'"));
    add(g, "time_micros_last", tus, f("'23:59:59.999999'"));

    String tsms = rec("TimestampMillis", "{'type':'long','logicalType':'timestamp-millis'}");
    add(g, "timestamp_millis_epoch", tsms, f("'1970-01-01T00:00:00.000Z'"));
    add(g, "timestamp_millis_before_epoch", tsms, f("'1969-12-31T23:59:59.999Z'"))
        .note("-1 ms: conversions must floor, not truncate");
    add(g, "timestamp_millis_2024", tsms, f("'2024-02-29T12:34:56.789Z'"));
    add(g, "timestamp_millis_year_1", tsms, f("'0001-01-01T00:00:00.000Z'"));
    add(g, "timestamp_millis_year_9999", tsms, f("'9999-12-31T23:59:59.999Z'"));
    add(g, "timestamp_millis_toplevel", "{'type':'long','logicalType':'timestamp-millis'}",
        "'2021-06-01T00:00:00.001Z'");
    String tsus = rec("TimestampMicros", "{'type':'long','logicalType':'timestamp-micros'}");
    add(g, "timestamp_micros_one", tsus, f("'1970-01-01T00:00:00.000001Z'"));
    add(g, "timestamp_micros_before_epoch", tsus, f("'1969-12-31T23:59:59.999999Z'"));
    add(g, "timestamp_micros_2024", tsus, f("'2024-02-29T12:34:56.123456Z'"));
    String tsns = rec("TimestampNanos", "{'type':'long','logicalType':'timestamp-nanos'}");
    add(g, "timestamp_nanos_zero", tsns, f("0"));
    add(g, "timestamp_nanos_2023", tsns, f("1700000000123456789"));
    add(g, "timestamp_nanos_minus_one", tsns, f("-1"));
    String ltms = rec("LocalTimestampMillis",
        "{'type':'long','logicalType':'local-timestamp-millis'}");
    add(g, "local_timestamp_millis_2024", ltms, f("'2024-02-29T12:34:56.789'"));
    add(g, "local_timestamp_millis_before_epoch", ltms, f("'1969-12-31T23:59:59.999'"));
    String ltus = rec("LocalTimestampMicros",
        "{'type':'long','logicalType':'local-timestamp-micros'}");
    add(g, "local_timestamp_micros_2024", ltus, f("'2024-02-29T12:34:56.123456'"));
    add(g, "local_timestamp_micros_before_epoch", ltus, f("'1969-12-31T23:59:59.999999'"));
    String ltns = rec("LocalTimestampNanos",
        "{'type':'long','logicalType':'local-timestamp-nanos'}");
    add(g, "local_timestamp_nanos_2023", ltns, f("1700000000123456789"));
    add(g, "local_timestamp_nanos_minus_one", ltns, f("-1"));

    String uuidString = rec("UuidString", "{'type':'string','logicalType':'uuid'}");
    add(g, "uuid_string", uuidString, f("'123e4567-e89b-12d3-a456-426614174000'"));
    add(g, "uuid_string_nil", uuidString, f("'00000000-0000-0000-0000-000000000000'"));
    add(g, "uuid_string_toplevel", "{'type':'string','logicalType':'uuid'}",
        "'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'");
    String uuidFixed = rec("UuidFixed",
        "{'type':'fixed','name':'Uuid16','size':16,'logicalType':'uuid'}");
    add(g, "uuid_fixed", uuidFixed, f("'123e4567-e89b-12d3-a456-426614174000'"))
        .note("uuid on fixed(16): the 16 bytes in big-endian (most significant first) order");
    add(g, "uuid_fixed_max", uuidFixed, f("'ffffffff-ffff-ffff-ffff-ffffffffffff'"));

    String dur = rec("DurationHolder",
        "{'type':'fixed','name':'Duration12','size':12,'logicalType':'duration'}");
    add(g, "duration_simple", dur, f("[1,2,3]"))
        .note("three little-endian unsigned 32-bit ints: months, days, milliseconds");
    add(g, "duration_zero", dur, f("[0,0,0]"));
    add(g, "duration_max", dur, f("[4294967295,4294967295,4294967295]"));

    add(g, "logical_in_union_null",
        rec("OptionalTimestamp", "['null',{'type':'long','logicalType':'timestamp-millis'}]"),
        f("null"));
    add(g, "logical_in_union_value",
        rec("OptionalTimestamp", "['null',{'type':'long','logicalType':'timestamp-millis'}]"),
        f("{'long':'2020-01-01T00:00:00.000Z'}"));
    add(g, "logical_all_in_one_record",
        "{'type':'record','name':'AllLogical','namespace':'logical','fields':["
            + "{'name':'dec','type':{'type':'bytes','logicalType':'decimal','precision':9,"
            + "'scale':3}},"
            + "{'name':'decf','type':{'type':'fixed','name':'DecF','size':5,"
            + "'logicalType':'decimal','precision':10,'scale':1}},"
            + "{'name':'d','type':{'type':'int','logicalType':'date'}},"
            + "{'name':'tm','type':{'type':'int','logicalType':'time-millis'}},"
            + "{'name':'tu','type':{'type':'long','logicalType':'time-micros'}},"
            + "{'name':'tsm','type':{'type':'long','logicalType':'timestamp-millis'}},"
            + "{'name':'tsu','type':{'type':'long','logicalType':'timestamp-micros'}},"
            + "{'name':'tsn','type':{'type':'long','logicalType':'timestamp-nanos'}},"
            + "{'name':'lm','type':{'type':'long','logicalType':'local-timestamp-millis'}},"
            + "{'name':'lu','type':{'type':'long','logicalType':'local-timestamp-micros'}},"
            + "{'name':'ln','type':{'type':'long','logicalType':'local-timestamp-nanos'}},"
            + "{'name':'us','type':{'type':'string','logicalType':'uuid'}},"
            + "{'name':'uf','type':{'type':'fixed','name':'U16','size':16,"
            + "'logicalType':'uuid'}},"
            + "{'name':'du','type':{'type':'fixed','name':'Dur','size':12,"
            + "'logicalType':'duration'}}]}",
        "{'dec':'-1.005','decf':'-3.5','d':'1999-12-31','tm':'01:02:03.004',"
            + "'tu':'01:02:03.004005','tsm':'1999-12-31T23:59:59.999Z',"
            + "'tsu':'1999-12-31T23:59:59.999999Z','tsn':946684799999999999,"
            + "'lm':'1999-12-31T23:59:59.999','lu':'1999-12-31T23:59:59.999999',"
            + "'ln':946684799999999999,'us':'00112233-4455-6677-8899-aabbccddeeff',"
            + "'uf':'00112233-4455-6677-8899-aabbccddeeff','du':[12,30,86400000]}");
  }

  // ------------------------------------------------------------------ beyond Python's range

  private void beyondPythonRange() {
    String g = "beyond_python_range";
    String why = "Java writes and reads any int/long here (no conversion by default); "
        + "Python's datetime types cannot hold the value";
    add(g, "timestamp_millis_year_10000",
        rec("TimestampMillis", "{'type':'long','logicalType':'timestamp-millis'}"),
        f("253402300800000")).underlying().note("10000-01-01T00:00:00Z; " + why);
    add(g, "timestamp_micros_before_year_1",
        rec("TimestampMicros", "{'type':'long','logicalType':'timestamp-micros'}"),
        f("-62135596800000001")).underlying().note("1 us before 0001-01-01; " + why);
    add(g, "local_timestamp_millis_year_10000",
        rec("LocalTimestampMillis", "{'type':'long','logicalType':'local-timestamp-millis'}"),
        f("253402300800000")).underlying().note(why);
    add(g, "date_year_10000", rec("DateHolder", "{'type':'int','logicalType':'date'}"),
        f("2932897")).underlying().note("10000-01-01; " + why);
    add(g, "date_min_int", rec("DateHolder", "{'type':'int','logicalType':'date'}"),
        f("-2147483648")).underlying().note(why);
    add(g, "time_millis_24h", rec("TimeMillis", "{'type':'int','logicalType':'time-millis'}"),
        f("86400000")).underlying().note("24:00:00.000 (one past the last millisecond of a day); "
            + why);
    add(g, "time_millis_negative",
        rec("TimeMillis", "{'type':'int','logicalType':'time-millis'}"),
        f("-1")).underlying().note(why);
    add(g, "time_micros_negative",
        rec("TimeMicros", "{'type':'long','logicalType':'time-micros'}"),
        f("-1")).underlying().note(why);
  }

  // ------------------------------------------------------------------ ids

  private void ids() {
    String g = "id";
    add(g, "id_max_int32", rec("IdMax", "'int'"), f("1")).id(2147483647)
        .note("the largest id a registry can hand out: 7f ff ff ff");
    add(g, "id_max_minus_one", rec("IdMaxMinusOne", "'int'"), f("2")).id(2147483646);
    add(g, "id_byte_order", rec("IdByteOrder", "'int'"), f("3")).id(0x01020304)
        .note("id 16909060 is 01 02 03 04 on the wire (big-endian)");
    add(g, "id_high_bit_of_low_byte", rec("IdLowByte", "'int'"), f("4")).id(0x000000ff);
    add(g, "id_high_bit_of_second_byte", rec("IdSecondByte", "'int'"), f("5")).id(0x00008000);
  }

  // ------------------------------------------------------------------ defaults on read

  private void defaults() {
    String g = "default";
    String writer = "{'type':'record','name':'Evolving','namespace':'defaults','fields':["
        + "{'name':'id','type':'int'}]}";
    String value = "{'id':7}";
    String[][] defaults = {
      {"null", "'null'", "null"},
      {"boolean", "'boolean'", "true"},
      {"int", "'int'", "-7"},
      {"long", "'long'", "9007199254740993"},
      {"float", "'float'", "1.25"},
      {"double", "'double'", "-2.5E-3"},
      {"bytes", "'bytes'", "'\\u00ff\\u0000A'"},
      {"string", "'string'", "'h\\u00e9llo'"},
      {"enum", "{'type':'enum','name':'Level','symbols':['LOW','MID','HIGH']}", "'MID'"},
      {"fixed", "{'type':'fixed','name':'Two','size':2}", "'\\u00ff\\u0001'"},
      {"array", "{'type':'array','items':'int'}", "[1,2,3]"},
      {"map", "{'type':'map','values':'string'}", "{'k':'v','k2':''}"},
      {"record", "{'type':'record','name':'Point','fields':[{'name':'x','type':'int'},"
          + "{'name':'y','type':'int'}]}", "{'x':1,'y':2}"},
      {"record_partial", "{'type':'record','name':'WithInner','fields':["
          + "{'name':'x','type':'int'},{'name':'y','type':'int','default':5}]}", "{'x':1}"},
      {"union_null_first", "['null','string']", "null"},
      {"union_value_first", "['string','null']", "'dflt'"},
      {"date", "{'type':'int','logicalType':'date'}", "19000"},
      {"decimal_bytes", "{'type':'bytes','logicalType':'decimal','precision':4,'scale':2}",
          "'\\u0004\\u00d2'"},
      {"uuid", "{'type':'string','logicalType':'uuid'}",
          "'6ba7b810-9dad-11d1-80b4-00c04fd430c8'"},
      {"timestamp_millis", "{'type':'long','logicalType':'timestamp-millis'}",
          "1700000000000"},
    };
    for (String[] d : defaults) {
      String reader = "{'type':'record','name':'Evolving','namespace':'defaults','fields':["
          + "{'name':'id','type':'int'},{'name':'added','type':" + d[1] + ",'default':" + d[2]
          + "}]}";
      evo(g, "default_" + d[0], writer, reader, value)
          .note("reader adds field 'added' of type " + d[0] + " with a default");
    }
  }

  // ------------------------------------------------------------------ evolution

  private void evolution() {
    String g = "evolution";
    evo(g, "evo_added_field_with_default",
        "{'type':'record','name':'V','fields':[{'name':'a','type':'int'}]}",
        "{'type':'record','name':'V','fields':[{'name':'a','type':'int'},"
            + "{'name':'b','type':'string','default':'new'}]}",
        "{'a':1}");
    evo(g, "evo_removed_field",
        "{'type':'record','name':'V','fields':[{'name':'a','type':'int'},"
            + "{'name':'gone','type':'string'}]}",
        "{'type':'record','name':'V','fields':[{'name':'a','type':'int'}]}",
        "{'a':1,'gone':'skipped'}");
    evo(g, "evo_removed_fields_of_every_kind",
        "{'type':'record','name':'V','fields':[{'name':'keep','type':'int'},"
            + "{'name':'r','type':{'type':'record','name':'Sub','fields':["
            + "{'name':'s','type':'string'}]}},"
            + "{'name':'arr','type':{'type':'array','items':'long'}},"
            + "{'name':'m','type':{'type':'map','values':'bytes'}},"
            + "{'name':'u','type':['null','double','Sub']},"
            + "{'name':'fx','type':{'type':'fixed','name':'Fx','size':3}},"
            + "{'name':'en','type':{'type':'enum','name':'En','symbols':['P','Q']}},"
            + "{'name':'fl','type':'float'},{'name':'bo','type':'boolean'},"
            + "{'name':'last','type':'string'}]}",
        "{'type':'record','name':'V','fields':[{'name':'keep','type':'int'},"
            + "{'name':'last','type':'string'}]}",
        "{'keep':1,'r':{'s':'x'},'arr':[1,2,3],'m':{'k':'00ff'},'u':{'Sub':{'s':'y'}},"
            + "'fx':'010203','en':'Q','fl':1.5,'bo':true,'last':'end'}");
    evo(g, "evo_removed_blocked_array_field",
        "{'type':'record','name':'V','fields':[{'name':'arr','type':{'type':'array',"
            + "'items':'string'}},{'name':'after','type':'int'}]}",
        "{'type':'record','name':'V','fields':[{'name':'after','type':'int'}]}",
        "{'arr':['a','bb','ccc','dddd'],'after':99}")
        .encoding(Frames.Encoding.BLOCKING_DIRECT)
        .note("the skipped array has negative block counts with byte sizes (skippable by size)");
    evo(g, "evo_removed_blocked_map_field",
        "{'type':'record','name':'V','fields':[{'name':'m','type':{'type':'map',"
            + "'values':'long'}},{'name':'after','type':'int'}]}",
        "{'type':'record','name':'V','fields':[{'name':'after','type':'int'}]}",
        "{'m':{'a':1,'b':2},'after':-99}")
        .encoding(Frames.Encoding.BLOCKING_DIRECT);
    evo(g, "evo_field_reordered",
        "{'type':'record','name':'V','fields':[{'name':'a','type':'int'},"
            + "{'name':'b','type':'string'},{'name':'c','type':'boolean'}]}",
        "{'type':'record','name':'V','fields':[{'name':'c','type':'boolean'},"
            + "{'name':'a','type':'int'},{'name':'b','type':'string'}]}",
        "{'a':1,'b':'two','c':true}");
    String[][] promotions = {
      {"int_to_long", "'int'", "'long'", "-2147483648"},
      {"int_to_float", "'int'", "'float'", "16777217"},
      {"int_to_double", "'int'", "'double'", "2147483647"},
      {"long_to_float", "'long'", "'float'", "9007199254740993"},
      {"long_to_double", "'long'", "'double'", "9007199254740993"},
      {"float_to_double", "'float'", "'double'", "0.1"},
      {"string_to_bytes", "'string'", "'bytes'", "'\u00e9t\u00e9'"},
      {"bytes_to_string", "'bytes'", "'string'", "'c3a9'"},
    };
    for (String[] p : promotions) {
      evo(g, "evo_" + p[0], rec("Promo", p[1]), rec("Promo", p[2]), f(p[3]));
    }
    evo(g, "evo_toplevel_int_to_long", "'int'", "'long'", "123456");
    evo(g, "evo_toplevel_float_to_double", "'float'", "'double'", "-0.1");
    evo(g, "evo_array_items_int_to_long", "{'type':'array','items':'int'}",
        "{'type':'array','items':'long'}", "[1,-2,3]");
    evo(g, "evo_map_values_float_to_double", "{'type':'map','values':'float'}",
        "{'type':'map','values':'double'}", "{'x':0.1,'y':-0.0}");
    evo(g, "evo_enum_symbol_added",
        rec("En", "{'type':'enum','name':'Sym','symbols':['A','B']}"),
        rec("En", "{'type':'enum','name':'Sym','symbols':['A','B','C']}"), f("'B'"));
    evo(g, "evo_enum_symbols_reordered",
        rec("En", "{'type':'enum','name':'Sym','symbols':['A','B','C']}"),
        rec("En", "{'type':'enum','name':'Sym','symbols':['C','A','B']}"), f("'A'"))
        .note("enums resolve by symbol name, not by index");
    evo(g, "evo_enum_default_on_read",
        rec("En", "{'type':'enum','name':'Sym','symbols':['A','B','C','D']}"),
        rec("En", "{'type':'enum','name':'Sym','symbols':['A','B','C'],'default':'A'}"),
        f("'D'"))
        .note("the writer's symbol D is unknown to the reader, which falls back to its default A");
    evo(g, "evo_union_widening", rec("U", "['null','int']"),
        rec("U", "['null','int','string']"), f("{'int':5}"));
    evo(g, "evo_value_into_union_with_promotion", rec("U", "'int'"),
        rec("U", "['null','long']"), f("7"));
    evo(g, "evo_union_into_value", rec("U", "['null','string']"), rec("U", "'string'"),
        f("{'string':'only'}"));
    evo(g, "evo_union_reordered", rec("U", "['int','string']"), rec("U", "['string','int']"),
        f("{'string':'s'}"));
    evo(g, "evo_union_branch_promoted", rec("U", "['null','int']"),
        rec("U", "['null','string','long']"), f("{'int':-1}"));
    evo(g, "evo_record_renamed_with_alias",
        "{'type':'record','name':'OldName','namespace':'ev','fields':[{'name':'a','type':'int'}]}",
        "{'type':'record','name':'NewName','namespace':'ev','aliases':['OldName'],'fields':["
            + "{'name':'a','type':'int'}]}",
        "{'a':1}");
    evo(g, "evo_record_alias_other_namespace",
        "{'type':'record','name':'Thing','namespace':'old.ns','fields':["
            + "{'name':'inner','type':{'type':'record','name':'Part','fields':["
            + "{'name':'p','type':'int'}]}}]}",
        "{'type':'record','name':'Thing','namespace':'new.ns','aliases':['old.ns.Thing'],"
            + "'fields':[{'name':'inner','type':{'type':'record','name':'Part',"
            + "'aliases':['old.ns.Part'],'fields':[{'name':'p','type':'int'}]}}]}",
        "{'inner':{'p':5}}");
    evo(g, "evo_field_renamed_with_alias",
        "{'type':'record','name':'V','fields':[{'name':'old_name','type':'string'}]}",
        "{'type':'record','name':'V','fields':[{'name':'new_name','type':'string',"
            + "'aliases':['old_name']}]}",
        "{'old_name':'kept'}");
    evo(g, "evo_enum_renamed_with_alias",
        rec("En", "{'type':'enum','name':'OldEnum','symbols':['A','B']}"),
        rec("En", "{'type':'enum','name':'NewEnum','aliases':['OldEnum'],'symbols':['A','B']}"),
        f("'B'"));
    evo(g, "evo_fixed_renamed_with_alias",
        rec("Fx", "{'type':'fixed','name':'OldFixed','size':2}"),
        rec("Fx", "{'type':'fixed','name':'NewFixed','aliases':['OldFixed'],'size':2}"),
        f("'beef'"));
    evo(g, "evo_nested_record_field_added",
        "{'type':'record','name':'Outer','fields':[{'name':'in','type':{'type':'record',"
            + "'name':'In','fields':[{'name':'x','type':'int'}]}}]}",
        "{'type':'record','name':'Outer','fields':[{'name':'in','type':{'type':'record',"
            + "'name':'In','fields':[{'name':'x','type':'int'},{'name':'y','type':'long',"
            + "'default':-1}]}}]}",
        "{'in':{'x':3}}");
    evo(g, "evo_logical_to_plain_long", rec("L", "{'type':'long','logicalType':"
            + "'timestamp-millis'}"), rec("L", "'long'"), f("'2024-02-29T12:34:56.789Z'"))
        .note("the reader drops the logical type and sees the underlying long");
    evo(g, "evo_plain_to_logical_long", rec("L", "'long'"),
        rec("L", "{'type':'long','logicalType':'timestamp-micros'}"), f("1709210096789123"))
        .note("the reader adds a logical type to the writer's plain long");
    evo(g, "evo_array_of_records_field_added",
        "{'type':'array','items':{'type':'record','name':'It','fields':["
            + "{'name':'a','type':'int'}]}}",
        "{'type':'array','items':{'type':'record','name':'It','fields':["
            + "{'name':'a','type':'int'},{'name':'b','type':['null','string'],"
            + "'default':null}]}}",
        "[{'a':1},{'a':2}]");
    evo(g, "evo_map_blocking_values_promoted", "{'type':'map','values':'int'}",
        "{'type':'map','values':'double'}", "{'a':1,'b':2,'c':3}")
        .encoding(Frames.Encoding.BLOCKING_DIRECT);
  }

  // ------------------------------------------------------------------ read errors

  private void readErrors() {
    String g = "read_error";
    evo(g, "err_enum_unknown_symbol_without_default",
        rec("En", "{'type':'enum','name':'Sym','symbols':['A','B','C']}"),
        rec("En", "{'type':'enum','name':'Sym','symbols':['A','B']}"), f("'C'"))
        .note("the reader has no default for an unknown symbol: reading fails");
    evo(g, "err_added_field_without_default",
        "{'type':'record','name':'V','fields':[{'name':'a','type':'int'}]}",
        "{'type':'record','name':'V','fields':[{'name':'a','type':'int'},"
            + "{'name':'b','type':'int'}]}",
        "{'a':1}");
    evo(g, "err_incompatible_types", rec("T", "'int'"), rec("T", "'string'"), f("1"));
    evo(g, "err_union_branch_missing_in_reader", rec("U", "['null','string']"),
        rec("U", "['null','int']"), f("{'string':'x'}"))
        .note("the written branch (string) has no match in the reader's union");
    evo(g, "err_long_to_int_narrowing", rec("N", "'long'"), rec("N", "'int'"), f("1"));
  }
}
