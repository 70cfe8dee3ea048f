package avroframe.conformance.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** The few Confluent Schema Registry REST calls the Kafka checks need, with timeouts. */
final class RegistryRest {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final String base;
  private final HttpClient http;
  private final Map<Integer, String> schemas = new HashMap<>();

  RegistryRest(String baseUrl) {
    this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** POST /subjects/{subject}/versions: registers (or finds) the schema; returns its id. */
  int register(String subject, String schemaText) throws IOException, InterruptedException {
    String body = MAPPER.createObjectNode().put("schema", schemaText).toString();
    HttpRequest request = HttpRequest.newBuilder(URI.create(
            base + "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8)
                + "/versions"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", CONTENT_TYPE)
        .header("Accept", CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    JsonNode answer = send(request);
    if (!answer.path("id").isInt()) {
      throw new IOException("registry answered without an id: " + answer);
    }
    return answer.get("id").asInt();
  }

  /** GET /schemas/ids/{id}: the schema text registered under the id (cached). */
  String schemaById(int id) throws IOException, InterruptedException {
    String cached = schemas.get(id);
    if (cached != null) {
      return cached;
    }
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/schemas/ids/" + id))
        .timeout(Duration.ofSeconds(30))
        .header("Accept", CONTENT_TYPE)
        .GET()
        .build();
    JsonNode answer = send(request);
    String type = answer.path("schemaType").asText("AVRO");
    if (!"AVRO".equals(type) || !answer.path("schema").isTextual()) {
      throw new IOException("schema id " + id + " is not an Avro schema: " + answer);
    }
    String text = answer.get("schema").asText();
    schemas.put(id, text);
    return text;
  }

  private JsonNode send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      String body = response.body();
      throw new IOException(request.method() + " " + request.uri().getPath() + " -> HTTP "
          + response.statusCode() + ": " + (body.length() > 300 ? body.substring(0, 300) : body));
    }
    return MAPPER.readTree(response.body());
  }
}
