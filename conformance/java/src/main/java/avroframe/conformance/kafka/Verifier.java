package avroframe.conformance.kafka;

import avroframe.conformance.FixtureGenerator;
import avroframe.conformance.Values;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.avro.Schema;

/** Consumes a topic until --count messages or the deadline, checking each decoded value. */
final class Verifier<V> {
  /** Decodes a consumed record value into a datum under {@link ValuesFile#target()}. */
  interface Decoder<V> {
    Object decode(V value) throws Exception;
  }

  private final String name;
  private final ValuesFile file;

  Verifier(String name, ValuesFile file) {
    this.name = name;
    this.file = file;
  }

  /** Polls, checks and prints; returns the process exit code (0 when all count messages pass). */
  int run(KafkaConsumer<byte[], V> consumer, String topic, int count, int timeoutMs,
      Decoder<V> decoder) {
    consumer.subscribe(java.util.List.of(topic));
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    int passed = 0;
    int failed = 0;
    long seen = 0;
    Set<Long> indexes = new HashSet<>();
    Schema target = file.target();
    while (seen < count && System.nanoTime() < deadline) {
      ConsumerRecords<byte[], V> records = consumer.poll(Duration.ofMillis(500));
      for (ConsumerRecord<byte[], V> r : records) {
        if (seen >= count) {
          break;
        }
        long index = Cli.index(r.key(), seen);
        seen++;
        String where = "partition " + r.partition() + " offset " + r.offset() + " (index "
            + index + ")";
        String problem;
        try {
          if (!indexes.add(index)) {
            problem = "duplicate message index";
          } else if (r.value() == null) {
            problem = "null value (tombstone)";
          } else {
            Object datum = decoder.decode(r.value());
            JsonNode actual = Values.toJson(datum, target);
            problem = Values.diff(file.expectedFor(index), actual, target, "$");
          }
        } catch (Exception e) {
          problem = "cannot decode: " + FixtureGenerator.describe(e);
        }
        if (problem == null) {
          passed++;
        } else {
          failed++;
          System.out.println("FAIL " + where + ": " + problem);
        }
      }
    }
    if (seen < count) {
      System.out.println("FAIL only " + seen + " of " + count + " messages arrived in "
          + timeoutMs / 1000 + " s");
      failed += count - seen;
    }
    System.out.println(name + ": " + passed + " passed, " + failed + " failed");
    return failed == 0 ? 0 : 1;
  }
}
