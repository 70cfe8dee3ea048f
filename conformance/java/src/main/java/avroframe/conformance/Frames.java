package avroframe.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.reflect.ReflectData;
import org.apache.avro.reflect.ReflectDatumWriter;

/**
 * Confluent wire frames, written and read the way Confluent's Java KafkaAvroSerializer and
 * KafkaAvroDeserializer do with their default configuration (no logical-type converters, generic
 * reader): magic byte 0, 4-byte big-endian schema id, then the Avro binary body. A writer schema
 * whose type is {@code bytes} (whatever its logical type) has the raw bytes as body, without a
 * length prefix, and reads back as the raw rest of the frame.
 */
public final class Frames {
  /** How the Avro body of a frame is encoded. */
  public enum Encoding {
    /** EncoderFactory.directBinaryEncoder: what Confluent's serializer uses. */
    DIRECT("direct"),
    /**
     * EncoderFactory.blockingDirectBinaryEncoder: every array/map block is written with a negative
     * item count followed by the block's byte size.
     */
    BLOCKING_DIRECT("blocking-direct"),
    /**
     * EncoderFactory.blockingBinaryEncoder with the minimum block buffer (64 bytes): blocks that
     * overflow the buffer are written with negative counts and byte sizes.
     */
    BLOCKING_BUFFERED("blocking-buffered"),
    /**
     * directBinaryEncoder, but GenericDatumWriter split into blocks of at most 2 items (positive
     * counts), through the public Encoder API (setItemCount per block).
     */
    MULTI_BLOCK("multi-block");

    final String label;

    Encoding(String label) {
      this.label = label;
    }
  }

  /** The classic Confluent magic byte. */
  public static final byte MAGIC = 0;

  private Frames() {}

  /** Writes a frame the way Confluent's serializer does (or with an alternative encoding). */
  public static byte[] write(int id, Schema schema, Object datum, Encoding encoding) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(MAGIC);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    if (schema.getType() == Schema.Type.BYTES) {
      // Confluent: raw bytes for a top-level bytes schema (ByteBuffer.array(), so the buffer must
      // be exactly the value; ours are created with ByteBuffer.wrap).
      if (datum instanceof byte[]) {
        out.write((byte[]) datum);
      } else {
        out.write(((ByteBuffer) datum).array());
      }
      return out.toByteArray();
    }
    BinaryEncoder encoder;
    switch (encoding) {
      case BLOCKING_DIRECT:
        encoder = EncoderFactory.get().blockingDirectBinaryEncoder(out, null);
        break;
      case BLOCKING_BUFFERED:
        encoder = new EncoderFactory().configureBlockSize(64).blockingBinaryEncoder(out, null);
        break;
      default:
        encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        break;
    }
    writer(schema, datum, encoding).write(datum, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  /**
   * The datum writer Confluent's AvroSchemaUtils.getDatumWriter picks without logical-type
   * converters: generic for Avro containers (records, enums, fixed, arrays), reflect for plain
   * Java values (Integer, String, Map, ...).
   */
  @SuppressWarnings("unchecked")
  private static DatumWriter<Object> writer(Schema schema, Object datum, Encoding encoding) {
    if (encoding == Encoding.MULTI_BLOCK) {
      return new SplitBlockWriter(schema, 2);
    }
    if (datum instanceof GenericContainer) {
      return new GenericDatumWriter<>(schema, GenericData.get());
    }
    return (DatumWriter<Object>) (DatumWriter<?>) new ReflectDatumWriter<>(schema,
        ReflectData.get());
  }

  /** A decoded frame body. */
  public static final class Decoded {
    /** The schema id in the frame header. */
    public final int id;
    /** The decoded value (underlying representation, no logical-type conversion). */
    public final Object datum;

    Decoded(int id, Object datum) {
      this.id = id;
      this.datum = datum;
    }
  }

  /**
   * Reads a frame as Confluent's deserializer does (GenericDatumReader, resolving to the reader
   * schema when given), and additionally rejects trailing bytes (Confluent's
   * avro.fail.on.trailing.data=true).
   */
  public static Decoded read(byte[] frame, Schema writer, Schema reader) throws IOException {
    if (frame.length < 5) {
      throw new IOException("frame shorter than 5 bytes: " + frame.length);
    }
    if (frame[0] != MAGIC) {
      throw new IOException("unknown magic byte " + frame[0]);
    }
    int id = ByteBuffer.wrap(frame, 1, 4).getInt();
    if (writer.getType() == Schema.Type.BYTES) {
      byte[] rest = new byte[frame.length - 5];
      System.arraycopy(frame, 5, rest, 0, rest.length);
      return new Decoded(id, ByteBuffer.wrap(rest));
    }
    GenericDatumReader<Object> datumReader =
        new GenericDatumReader<>(writer, reader == null ? writer : reader, GenericData.get());
    BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(frame, 5, frame.length - 5, null);
    Object datum = datumReader.read(null, decoder);
    if (!decoder.isEnd()) {
      throw new IOException("trailing data after the Avro body");
    }
    return new Decoded(id, datum);
  }

  /** GenericDatumWriter that writes arrays and maps in several blocks of at most n items. */
  private static final class SplitBlockWriter extends GenericDatumWriter<Object> {
    private final int n;

    SplitBlockWriter(Schema schema, int n) {
      super(schema, GenericData.get());
      this.n = n;
    }

    @Override
    protected void writeArray(Schema schema, Object datum, Encoder out) throws IOException {
      Collection<?> items = (Collection<?>) datum;
      out.writeArrayStart();
      Iterator<?> it = items.iterator();
      int left = items.size();
      while (left > 0) {
        int block = Math.min(n, left);
        out.setItemCount(block);
        for (int i = 0; i < block; i++) {
          out.startItem();
          write(schema.getElementType(), it.next(), out);
        }
        left -= block;
      }
      out.writeArrayEnd();
    }

    @Override
    protected void writeMap(Schema schema, Object datum, Encoder out) throws IOException {
      Map<?, ?> map = (Map<?, ?>) datum;
      out.writeMapStart();
      Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
      int left = map.size();
      while (left > 0) {
        int block = Math.min(n, left);
        out.setItemCount(block);
        for (int i = 0; i < block; i++) {
          out.startItem();
          Map.Entry<?, ?> e = it.next();
          writeString(e.getKey().toString(), out);
          write(schema.getValueType(), e.getValue(), out);
        }
        left -= block;
      }
      out.writeMapEnd();
    }
  }
}
