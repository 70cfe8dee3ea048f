package avroframe.conformance.kafka;

import avroframe.conformance.Values;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;

/**
 * A third-party witness: Apicurio's own Kafka Avro serde (io.apicurio:
 * apicurio-registry-avro-serde-kafka), configured for Confluent frames (magic byte 0, 4-byte
 * big-endian id = Apicurio content id, which is the id its Confluent API hands out; no id
 * headers). It talks to the registry's native API (default: the --registry URL with
 * "/apis/ccompat/v7" replaced by "/apis/registry/v3", or --apicurio-url).
 *
 * <p>Modes: {@code produce} (auto-registers writer_schema under artifact "&lt;topic&gt;-value" of
 * the default group and sends --count messages, key "i") and {@code consume} (decodes --count
 * messages with Apicurio's deserializer and compares with values; a reader_schema in the values
 * file is not supported here). Prints "ApicurioSerdeWitness: N passed, N failed".
 */
public final class ApicurioSerdeWitness {
  private static final String USAGE =
      "usage: ApicurioSerdeWitness produce|consume --bootstrap H:P --registry URL --topic T"
          + " --count N --values FILE [--timeout-s S] [--group ID] [--apicurio-url URL]\n"
          + Cli.COMMON_USAGE
          + "\n  --apicurio-url URL      Apicurio native API (default derived from --registry)";

  private ApicurioSerdeWitness() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    if (args.length < 1 || !(args[0].equals("produce") || args[0].equals("consume"))) {
      System.err.println(USAGE);
      System.exit(2);
    }
    // Apicurio's client logs through java.util.logging; keep only severe messages.
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.SEVERE);
    for (java.util.logging.Handler h : java.util.logging.Logger.getLogger("").getHandlers()) {
      h.setLevel(java.util.logging.Level.SEVERE);
    }
    String mode = args[0];
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    Options o = Options.parse(rest, Cli.REQUIRED, Cli.OPTIONAL, USAGE);
    ValuesFile file = ValuesFile.load(Path.of(o.get("values")));
    String apicurio = o.get("apicurio-url",
        o.get("registry").replaceAll("/apis/ccompat/v[0-9]+/?$", "/apis/registry/v3"));
    Map<String, Object> serde = new HashMap<>();
    serde.put("apicurio.registry.url", apicurio);
    serde.put("apicurio.registry.auto-register", "true");
    serde.put("apicurio.registry.headers.enabled", "false");
    serde.put("apicurio.registry.id-handler",
        "io.apicurio.registry.serde.Default4ByteIdHandler");
    serde.put("apicurio.registry.use-id", "contentId");
    int timeoutMs = o.getInt("timeout-s", 60) * 1000;
    int count = o.getInt("count", 0);
    String topic = o.get("topic");
    System.out.println("ApicurioSerdeWitness: " + mode + " via " + apicurio);
    if (mode.equals("produce")) {
      System.exit(produce(o, file, serde, topic, count, timeoutMs));
    }
    if (file.reader != null) {
      System.err.println("ApicurioSerdeWitness consume: reader_schema is not supported");
      System.exit(2);
    }
    int code;
    try (AvroKafkaDeserializer<Object> deserializer = new AvroKafkaDeserializer<>();
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
            Cli.consumerProps(o.get("bootstrap"),
                o.get("group", "avroframe-conformance-apicurio-" + topic)),
            new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      deserializer.configure(serde, false);
      code = new Verifier<byte[]>("ApicurioSerdeWitness", file).run(consumer, topic, count,
          timeoutMs, frame -> deserializer.deserialize(topic, frame));
    }
    System.exit(code);
  }

  private static int produce(Options o, ValuesFile file, Map<String, Object> serde,
      String topic, int count, int timeoutMs) throws Exception {
    int acked = 0;
    int failed = 0;
    try (AvroKafkaSerializer<Object> serializer = new AvroKafkaSerializer<>();
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
            Cli.producerProps(o.get("bootstrap"), timeoutMs), new ByteArraySerializer(),
            new ByteArraySerializer())) {
      serializer.configure(serde, false);
      List<Future<RecordMetadata>> sends = new ArrayList<>();
      for (long i = 0; i < count; i++) {
        Object datum = Values.fromJson(file.valueFor(i), file.writer);
        byte[] frame = serializer.serialize(topic, datum);
        if (i == 0) {
          System.out.println("ApicurioSerdeWitness: first frame "
              + java.util.HexFormat.of().formatHex(frame, 0, Math.min(frame.length, 32)));
        }
        sends.add(producer.send(new ProducerRecord<>(topic, Cli.key(i), frame)));
      }
      producer.flush();
      for (Future<RecordMetadata> send : sends) {
        try {
          send.get(timeoutMs, TimeUnit.MILLISECONDS);
          acked++;
        } catch (Exception e) {
          failed++;
          System.out.println("FAIL send: " + e);
        }
      }
    }
    System.out.println("ApicurioSerdeWitness: " + acked + " passed, " + failed + " failed");
    return failed == 0 && acked == count ? 0 : 1;
  }
}
