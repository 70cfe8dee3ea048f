package avroframe.conformance.kafka;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/** Options and client settings shared by the Kafka checks. */
final class Cli {
  static final List<String> REQUIRED = List.of("bootstrap", "registry", "topic", "count", "values");
  static final Set<String> OPTIONAL = Set.of("timeout-s", "group", "apicurio-url");
  static final String COMMON_USAGE =
      "  --bootstrap HOST:PORT   Kafka bootstrap servers (e.g. 127.0.0.1:19092)\n"
          + "  --registry URL          Confluent API base URL"
          + " (e.g. http://127.0.0.1:18081/apis/ccompat/v7)\n"
          + "  --topic NAME            topic to produce to / consume from\n"
          + "  --count N               number of messages\n"
          + "  --values FILE           expected-values JSON file (see conformance/README.md)\n"
          + "  --timeout-s S           give up after S seconds (default 60)\n"
          + "  --group ID              consumer group (default avroframe-conformance-<topic>)";

  private Cli() {}

  static Properties producerProps(String bootstrap, int timeoutMs) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(timeoutMs));
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(Math.min(timeoutMs, 30000)));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
        Integer.toString(Math.max(timeoutMs, 30000 + 1000)));
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return p;
  }

  static Properties consumerProps(String bootstrap, String group) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    return p;
  }

  static byte[] key(long index) {
    return Long.toString(index).getBytes(StandardCharsets.UTF_8);
  }

  /** The message index from its key, or {@code fallback} when the key is absent or not a number. */
  static long index(byte[] key, long fallback) {
    if (key == null) {
      return fallback;
    }
    try {
      return Long.parseLong(new String(key, StandardCharsets.UTF_8).trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
