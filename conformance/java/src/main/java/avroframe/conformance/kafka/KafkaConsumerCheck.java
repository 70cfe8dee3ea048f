package avroframe.conformance.kafka;

import avroframe.conformance.Frames;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Consumes Confluent frames (written by the Python serde) and decodes them with Apache Avro for
 * Java as Confluent's KafkaAvroDeserializer does: the writer schema comes from the registry's
 * Confluent API (GET /schemas/ids/{id}, id from the frame), GenericDatumReader resolves it to
 * reader_schema when the values file has one, and trailing bytes are rejected.
 *
 * <p>Message i (key "i", or arrival order without a key) must decode to read_values[i % len] (or
 * values[i % len]). Prints a line per failure and "KafkaConsumerCheck: N passed, N failed"; exits
 * 1 on any failure or when fewer than --count messages arrive before --timeout-s.
 */
public final class KafkaConsumerCheck {
  private static final String USAGE =
      "usage: KafkaConsumerCheck --bootstrap H:P --registry URL --topic T --count N --values FILE"
          + " [--timeout-s S] [--group ID]\n" + Cli.COMMON_USAGE;

  private KafkaConsumerCheck() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args, Cli.REQUIRED, Cli.OPTIONAL, USAGE);
    String topic = o.get("topic");
    ValuesFile file = ValuesFile.load(Path.of(o.get("values")));
    RegistryRest registry = new RegistryRest(o.get("registry"));
    Map<Integer, Schema> writers = new HashMap<>();
    int code;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        Cli.consumerProps(o.get("bootstrap"), o.get("group", "avroframe-conformance-" + topic)),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Verifier<byte[]> verifier = new Verifier<>("KafkaConsumerCheck", file);
      code = verifier.run(consumer, topic, o.getInt("count", 0), o.getInt("timeout-s", 60) * 1000,
          frame -> {
            if (frame.length < 5 || frame[0] != Frames.MAGIC) {
              throw new IllegalArgumentException("not a Confluent frame (magic byte / length)");
            }
            int id = java.nio.ByteBuffer.wrap(frame, 1, 4).getInt();
            Schema writer = writers.get(id);
            if (writer == null) {
              writer = new Schema.Parser().parse(registry.schemaById(id));
              writers.put(id, writer);
            }
            return Frames.read(frame, writer, file.reader).datum;
          });
    }
    System.exit(code);
  }
}
