package dev.gretun.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.gretun.core.tunnel.TunnelStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * {@code gretun list --json}: the tunnels written with Jackson's streaming generator, field by
 * field in {@link TunnelStatus}'s order. The output is byte for byte what {@code Output.json} (an
 * {@code ObjectMapper}) gives for the same list ({@code TunnelListJsonTest} keeps the two equal);
 * it exists because building the mapper and introspecting the record took ~40 ms of a 260 ms
 * command (docs/BENCH.md "Nothing from the jar").
 */
final class TunnelListJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private TunnelListJson() {}

  static void print(PrintWriter out, List<TunnelStatus> tunnels) {
    StringWriter buf = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(buf)) {
      g.setPrettyPrinter(new DefaultPrettyPrinter());
      g.writeStartArray();
      for (TunnelStatus t : tunnels) {
        write(g, t);
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    out.println(buf);
    out.flush();
  }

  private static void write(JsonGenerator g, TunnelStatus t) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", t.name());
    g.writeStringField("kind", t.kind());
    g.writeStringField("local_ip", t.local_ip());
    g.writeStringField("remote_ip", t.remote_ip());
    number(g, "key", t.key());
    g.writeNumberField("ttl", t.ttl());
    g.writeBooleanField("pmtudisc", t.pmtudisc());
    g.writeStringField("encap", t.encap());
    number(g, "encap_sport", t.encap_sport());
    number(g, "encap_dport", t.encap_dport());
    g.writeFieldName("encap_csum");
    if (t.encap_csum() == null) {
      g.writeNull();
    } else {
      g.writeBoolean(t.encap_csum());
    }
    number(g, "fou_port", t.fou_port());
    g.writeBooleanField("managed", t.managed());
    g.writeNumberField("mtu", t.mtu());
    g.writeBooleanField("up", t.up());
    g.writeStringField("oper_state", t.oper_state());
    g.writeFieldName("addresses");
    if (t.addresses() == null) {
      g.writeNull();
    } else {
      g.writeStartArray();
      for (String a : t.addresses()) {
        g.writeString(a);
      }
      g.writeEndArray();
    }
    g.writeNumberField("rx_packets", t.rx_packets());
    g.writeNumberField("rx_bytes", t.rx_bytes());
    g.writeNumberField("tx_packets", t.tx_packets());
    g.writeNumberField("tx_bytes", t.tx_bytes());
    g.writeNumberField("rx_errors", t.rx_errors());
    g.writeNumberField("tx_errors", t.tx_errors());
    g.writeNumberField("rx_dropped", t.rx_dropped());
    g.writeNumberField("tx_dropped", t.tx_dropped());
    g.writeEndObject();
  }

  private static void number(JsonGenerator g, String field, Number n) throws IOException {
    g.writeFieldName(field);
    if (n == null) {
      g.writeNull();
    } else if (n instanceof Long l) {
      g.writeNumber(l);
    } else {
      g.writeNumber(n.intValue());
    }
  }
}
