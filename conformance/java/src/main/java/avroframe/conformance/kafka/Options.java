package avroframe.conformance.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Minimal "--name value" command-line options with required and optional names. */
final class Options {
  private final Map<String, String> values = new HashMap<>();

  private Options() {}

  /**
   * Parses {@code args}; prints {@code usage} and exits 2 on unknown or missing options.
   *
   * @param required names that must be given
   * @param optional names that may be given
   */
  static Options parse(String[] args, List<String> required, Set<String> optional, String usage) {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        System.out.println(usage);
        System.exit(0);
      }
      String name = a.startsWith("--") ? a.substring(2) : null;
      if (name == null || i + 1 >= args.length
          || (!required.contains(name) && !optional.contains(name))) {
        fail(usage, "unexpected argument " + a);
      }
      o.values.put(name, args[++i]);
    }
    for (String r : required) {
      if (!o.values.containsKey(r)) {
        fail(usage, "missing --" + r);
      }
    }
    return o;
  }

  private static void fail(String usage, String message) {
    System.err.println(message);
    System.err.println(usage);
    System.exit(2);
  }

  String get(String name) {
    return values.get(name);
  }

  String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  int getInt(String name, int fallback) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      System.err.println("--" + name + " needs an integer, got " + v);
      System.exit(2);
      return fallback;
    }
  }
}
