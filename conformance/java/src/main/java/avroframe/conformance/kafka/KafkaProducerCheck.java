package avroframe.conformance.kafka;

import avroframe.conformance.Frames;
import avroframe.conformance.Values;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces Confluent frames written by Apache Avro for Java, the way Confluent's
 * KafkaAvroSerializer writes them, so that a Python consumer can check them.
 *
 * <p>Registers writer_schema of the values file under the subject "&lt;topic&gt;-value" through
 * the registry's Confluent API (POST /subjects/{subject}/versions), then sends --count messages:
 * message i has key "i" (UTF-8) and value frame(id, values[i % len]). Prints the schema id and
 * "KafkaProducerCheck: N passed, N failed" (N = acknowledged sends); exits 0 when all were
 * acknowledged.
 */
public final class KafkaProducerCheck {
  private static final String USAGE =
      "usage: KafkaProducerCheck --bootstrap H:P --registry URL --topic T --count N --values FILE"
          + " [--timeout-s S]\n" + Cli.COMMON_USAGE;

  private KafkaProducerCheck() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args, Cli.REQUIRED, Cli.OPTIONAL, USAGE);
    int count = o.getInt("count", 0);
    int timeoutMs = o.getInt("timeout-s", 60) * 1000;
    String topic = o.get("topic");
    ValuesFile file = ValuesFile.load(Path.of(o.get("values")));
    RegistryRest registry = new RegistryRest(o.get("registry"));
    String subject = topic + "-value";
    int id = registry.register(subject, file.writer.toString());
    System.out.println("KafkaProducerCheck: schema id " + id + " under subject " + subject);

    int acked = 0;
    int failed = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
        Cli.producerProps(o.get("bootstrap"), timeoutMs), new ByteArraySerializer(),
        new ByteArraySerializer())) {
      List<Future<RecordMetadata>> sends = new ArrayList<>();
      for (long i = 0; i < count; i++) {
        Object datum = Values.fromJson(file.valueFor(i), file.writer);
        byte[] frame = Frames.write(id, file.writer, datum, Frames.Encoding.DIRECT);
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
    System.out.println("KafkaProducerCheck: " + acked + " passed, " + failed + " failed");
    System.exit(failed == 0 && acked == count ? 0 : 1);
  }
}
