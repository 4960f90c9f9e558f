package io.tern.broker;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import io.tern.codec.PropertyId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** MQTT 5 behaviour, driven by the HiveMQ MQTT client and by raw packets where exact bytes matter. */
class Mqtt5Test {

    private TestBroker broker;
    private final List<Mqtt5BlockingClient> clients = new ArrayList<>();
    private final List<RawClient> raws = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (Mqtt5BlockingClient c : clients) {
            if (c.getState().isConnected()) {
                try {
                    c.disconnect();
                } catch (com.hivemq.client.mqtt.exceptions.ConnectionClosedException
                         | com.hivemq.client.mqtt.exceptions.MqttClientStateException e) {
                    // the broker closed this client (takeover, limits) while we looked: nothing to disconnect
                }
            }
        }
        for (RawClient r : raws) {
            r.close();
        }
        broker.close();
    }

    private Mqtt5BlockingClient hive(String id) {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1")
                .serverPort(broker.port()).buildBlocking();
        clients.add(c);
        return c;
    }

    private RawClient raw() throws Exception {
        RawClient r = new RawClient(broker.port(), MqttVersion.MQTT_5);
        raws.add(r);
        return r;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void publish(String topic, String payload, int qos) {
        broker.broker.publish(topic, utf8(payload), qos, false);
    }

    @Test
    void sessionExpiryKeepsTheSessionAndItsQueueAcrossReconnects() throws Exception {
        Mqtt5BlockingClient sub = hive("expiring");
        sub.connectWith().cleanStart(true).sessionExpiryInterval(60).send();
        sub.subscribeWith().topicFilter("se/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        publish("se/1", "queued", 1);
        try (Mqtt5BlockingClient.Mqtt5Publishes inbox = sub.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            Mqtt5ConnAck ack = sub.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
            assertThat(ack.isSessionPresent()).isTrue();
            Optional<Mqtt5Publish> got = inbox.receive(5, TimeUnit.SECONDS);
            assertThat(got).isPresent();
            assertThat(new String(got.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("queued");
        }
    }

    @Test
    void sessionExpiryZeroEndsTheSessionAtDisconnect() {
        Mqtt5BlockingClient c = hive("short");
        c.connectWith().cleanStart(false).sessionExpiryInterval(0).send();
        c.subscribeWith().topicFilter("x").send();
        c.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker.sessions().get("short") == null);
        assertThat(c.connectWith().cleanStart(false).send().isSessionPresent()).isFalse();
    }

    @Test
    void queuedMessagesExpireAndForwardedExpiryIsDecremented() throws Exception {
        RawClient r = raw();
        r.connect("mexp", true, 60, null, Properties.builder().put(PropertyId.SESSION_EXPIRY_INTERVAL, 60L).build());
        r.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("mx/#", 1)), Properties.EMPTY));
        r.next();
        r.send(Packet.Disconnect.NORMAL);
        r.readUntilClosed();
        try (RawClient pub = new RawClient(broker.port(), MqttVersion.MQTT_5)) {
            pub.connect("mexp-pub");
            pub.send(new Packet.Publish("mx/short", 1, false, false, 1, utf8("gone"),
                    Properties.builder().put(PropertyId.MESSAGE_EXPIRY_INTERVAL, 1L).build()));
            pub.next();
            pub.send(new Packet.Publish("mx/long", 1, false, false, 2, utf8("kept"),
                    Properties.builder().put(PropertyId.MESSAGE_EXPIRY_INTERVAL, 100L).build()));
            pub.next();
        }
        // let real time pass the 1 s expiry; the feature is about wall-clock time, not synchronisation
        await().pollDelay(Duration.ofMillis(2100)).atMost(Duration.ofSeconds(5)).until(() -> true);
        RawClient back = raw();
        assertThat(back.connect("mexp", false, 60, null,
                Properties.builder().put(PropertyId.SESSION_EXPIRY_INTERVAL, 60L).build()).sessionPresent()).isTrue();
        Packet.Publish p = (Packet.Publish) back.next();
        assertThat(p.topic()).isEqualTo("mx/long");
        // [MQTT-3.3.2-6]: the forwarded interval is what is left
        assertThat(p.properties().longValue(PropertyId.MESSAGE_EXPIRY_INTERVAL, -1)).isBetween(90L, 98L);
    }

    @Test
    void outboundTopicAliasesAreAssignedUpToTheClientsMaximum() throws Exception {
        RawClient r = raw();
        r.connect("alias", true, 60, null, Properties.builder().put(PropertyId.TOPIC_ALIAS_MAXIMUM, 1).build());
        r.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("al/#", 0)), Properties.EMPTY));
        r.next();
        publish("al/one", "1", 0);
        publish("al/one", "2", 0);
        publish("al/two", "3", 0);
        Packet.Publish first = (Packet.Publish) r.next();
        Packet.Publish second = (Packet.Publish) r.next();
        Packet.Publish third = (Packet.Publish) r.next();
        assertThat(first.topic()).isEqualTo("al/one");
        assertThat(first.properties().intValue(PropertyId.TOPIC_ALIAS, 0)).isEqualTo(1);
        assertThat(second.topic()).isEmpty();
        assertThat(second.properties().intValue(PropertyId.TOPIC_ALIAS, 0)).isEqualTo(1);
        assertThat(third.topic()).isEqualTo("al/two");
        assertThat(third.properties().has(PropertyId.TOPIC_ALIAS)).as("only 1 alias allowed").isFalse();
    }

    @Test
    void inboundTopicAliasIsResolved() throws Exception {
        RawClient sub = raw();
        sub.connect("alias-sub");
        sub.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("in/#", 0)), Properties.EMPTY));
        sub.next();
        RawClient pub = raw();
        Packet.ConnAck ack = pub.connect("alias-pub");
        assertThat(ack.properties().intValue(PropertyId.TOPIC_ALIAS_MAXIMUM, 0)).isPositive();
        pub.send(new Packet.Publish("in/a", 0, false, false, 0, utf8("1"),
                Properties.builder().put(PropertyId.TOPIC_ALIAS, 1).build()));
        pub.send(new Packet.Publish("", 0, false, false, 0, utf8("2"),
                Properties.builder().put(PropertyId.TOPIC_ALIAS, 1).build()));
        assertThat(((Packet.Publish) sub.next()).topic()).isEqualTo("in/a");
        Packet.Publish second = (Packet.Publish) sub.next();
        assertThat(second.topic()).isEqualTo("in/a");
        assertThat(second.properties().has(PropertyId.TOPIC_ALIAS)).as("alias is per connection").isFalse();
    }

    @Test
    void subscriptionIdentifiersOfEveryMatchingSubscriptionAreDelivered() throws Exception {
        RawClient r = raw();
        r.connect("subid");
        r.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("sid/+", 1)),
                Properties.builder().subscriptionIdentifier(7).build()));
        r.next();
        r.send(new Packet.Subscribe(2, List.of(new Packet.Subscription("sid/#", 0)),
                Properties.builder().subscriptionIdentifier(9).build()));
        r.next();
        publish("sid/x", "m", 1);
        Packet.Publish p = (Packet.Publish) r.next();
        // [MQTT-3.3.4-3]/[MQTT-3.3.4-5]: one message, carrying both identifiers
        assertThat(p.properties().subscriptionIdentifiers()).containsExactlyInAnyOrder(7, 9);
        assertThat(p.qos()).isEqualTo(1);
    }

    @Test
    void noLocalRetainAsPublishedAndRetainHandling() throws Exception {
        Mqtt5BlockingClient c = hive("opts");
        c.connect();
        broker.broker.publish("opt/r", utf8("old"), 1, true);
        try (Mqtt5BlockingClient.Mqtt5Publishes inbox = c.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter("opt/#").noLocal(true).retainAsPublished(true)
                    .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST).send();
            Mqtt5Publish retained = inbox.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(retained.isRetain()).isTrue();
            // same subscription again: Retain Handling 1 sends nothing [MQTT-3.3.1-10]
            c.subscribeWith().topicFilter("opt/#").noLocal(true).retainAsPublished(true)
                    .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST).send();
            c.publishWith().topic("opt/own").payload(utf8("mine")).send(); // No Local [MQTT-3.8.3-3]
            broker.broker.publish("opt/r", utf8("new"), 1, true);
            Mqtt5Publish live = inbox.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(live.getTopic().toString()).isEqualTo("opt/r");
            assertThat(live.isRetain()).as("Retain As Published").isTrue();
            assertThat(inbox.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
        }
    }

    @Test
    void sharedSubscriptionSpreadsMessagesOverItsMembers() throws Exception {
        RawClient a = raw();
        a.connect("member-a");
        RawClient b = raw();
        b.connect("member-b");
        for (RawClient r : List.of(a, b)) {
            r.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("$share/g/work/#", 0)), Properties.EMPTY));
            assertThat(((Packet.SubAck) r.next()).reasonCodes()).containsExactly(0);
        }
        for (int i = 0; i < 10; i++) {
            publish("work/" + i, Integer.toString(i), 0);
        }
        broker.broker.publish("work/end", utf8("end"), 0, false);
        broker.broker.publish("work/end", utf8("end"), 0, false);
        int ca = 0;
        int cb = 0;
        for (RawClient r : List.of(a, b)) {
            int got = 0;
            while (!new String(((Packet.Publish) r.next()).payload(), StandardCharsets.UTF_8).equals("end")) {
                got++;
            }
            if (r == a) {
                ca = got;
            } else {
                cb = got;
            }
        }
        // round-robin: each message to exactly one member, alternating
        assertThat(ca + cb).isEqualTo(10);
        assertThat(ca).isEqualTo(5);
    }

    @Test
    void sharedSubscriptionHandsUnacknowledgedMessagesToAnotherMemberWhenOneLeaves() throws Exception {
        RawClient a = raw();
        a.connect("leaver");
        a.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("$share/g/job", 1)), Properties.EMPTY));
        a.next();
        publish("job", "task", 1);
        Packet.Publish atA = (Packet.Publish) a.next();
        assertThat(atA.topic()).isEqualTo("job");
        RawClient b = raw();
        b.connect("stayer");
        b.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("$share/g/job", 1)), Properties.EMPTY));
        b.next();
        a.close(); // never acknowledged
        Packet.Publish atB = (Packet.Publish) b.next();
        assertThat(new String(atB.payload(), StandardCharsets.UTF_8)).isEqualTo("task");
    }

    @Test
    void retainedMessagesAreNotSentOnASharedSubscribe() throws Exception {
        broker.broker.publish("sr/x", utf8("retained"), 0, true);
        RawClient a = raw();
        a.connect("shared-retain");
        a.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("$share/g/sr/#", 0)), Properties.EMPTY));
        a.next();
        publish("sr/x", "live", 0);
        assertThat(new String(((Packet.Publish) a.next()).payload(), StandardCharsets.UTF_8)).isEqualTo("live");
    }

    @Test
    void receiveMaximumOfTheClientBoundsUnacknowledgedDeliveries() throws Exception {
        RawClient r = raw();
        r.connect("rm", true, 60, null, Properties.builder().put(PropertyId.RECEIVE_MAXIMUM, 2).build());
        r.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("rm/#", 1)), Properties.EMPTY));
        r.next();
        for (int i = 0; i < 5; i++) {
            publish("rm/x", Integer.toString(i), 1);
        }
        broker.broker.publish("rm/marker", utf8("q0"), 0, false);
        Packet.Publish p0 = (Packet.Publish) r.next();
        Packet.Publish p1 = (Packet.Publish) r.next();
        // [MQTT-3.3.4-9]: no third QoS 1 message (nor the QoS 0 queued behind them) until one is acknowledged
        r.setTimeout(300);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(r::next))
                .isInstanceOf(java.net.SocketTimeoutException.class);
        r.setTimeout(5000);
        r.send(new Packet.PubAck(p0.packetId(), 0, Properties.EMPTY));
        Packet.Publish p2 = (Packet.Publish) r.next();
        assertThat(new String(p2.payload(), StandardCharsets.UTF_8)).isEqualTo("2");
        assertThat(p1.payload()).isEqualTo(utf8("1"));
    }

    @Test
    void messagesLargerThanTheClientsMaximumPacketSizeAreDropped() throws Exception {
        RawClient r = raw();
        r.connect("mps", true, 60, null, Properties.builder().put(PropertyId.MAXIMUM_PACKET_SIZE, 64L).build());
        r.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("mps/#", 1)), Properties.EMPTY));
        r.next();
        broker.broker.publish("mps/big", new byte[200], 1, false);
        publish("mps/small", "ok", 1);
        Packet.Publish p = (Packet.Publish) r.next();
        // [MQTT-3.1.2-25]
        assertThat(p.topic()).isEqualTo("mps/small");
    }

    @Test
    void requestResponseAndUserPropertiesAreForwardedUnchanged() throws Exception {
        Mqtt5BlockingClient sub = hive("rr-sub");
        sub.connect();
        Mqtt5BlockingClient pub = hive("rr-pub");
        pub.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes inbox = sub.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("req/#").send();
            pub.publishWith().topic("req/a").payload(utf8("{}")).responseTopic("resp/a")
                    .correlationData(utf8("corr-1")).contentType("application/json")
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                    .userProperties().add("k1", "v1").add("k1", "v2").applyUserProperties().send();
            Mqtt5Publish got = inbox.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(got.getResponseTopic().orElseThrow().toString()).isEqualTo("resp/a");
            assertThat(StandardCharsets.UTF_8.decode(got.getCorrelationData().orElseThrow()).toString())
                    .isEqualTo("corr-1");
            assertThat(got.getContentType().orElseThrow().toString()).isEqualTo("application/json");
            assertThat(got.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
            assertThat(got.getUserProperties().asList()).hasSize(2);
        }
    }

    @Test
    void willDelayIsCancelledWhenTheClientReturnsInTime() throws Exception {
        RawClient watcher = raw();
        watcher.connect("watch");
        watcher.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("wd/#", 0)), Properties.EMPTY));
        watcher.next();
        Properties sessionProps = Properties.builder().put(PropertyId.SESSION_EXPIRY_INTERVAL, 60L).build();
        Packet.Will will = new Packet.Will("wd/delayed", utf8("gone"), 0, false,
                Properties.builder().put(PropertyId.WILL_DELAY_INTERVAL, 30L).build());
        RawClient c = raw();
        c.connect("wdc", true, 60, will, sessionProps);
        c.close();
        RawClient back = raw();
        assertThat(back.connect("wdc", false, 60, null, sessionProps).sessionPresent()).isTrue();
        // [MQTT-3.1.3-9]: reconnected within the delay: no will
        publish("wd/marker", "m", 0);
        assertThat(((Packet.Publish) watcher.next()).topic()).isEqualTo("wd/marker");
    }

    @Test
    void willIsPublishedAfterItsDelay() throws Exception {
        RawClient watcher = raw();
        watcher.connect("watch2");
        watcher.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("wd/#", 0)), Properties.EMPTY));
        watcher.next();
        Packet.Will will = new Packet.Will("wd/late", utf8("gone"), 0, false,
                Properties.builder().put(PropertyId.WILL_DELAY_INTERVAL, 1L).build());
        RawClient c = raw();
        c.connect("wdl", true, 60, will, Properties.builder().put(PropertyId.SESSION_EXPIRY_INTERVAL, 60L).build());
        c.close();
        Packet.Publish p = (Packet.Publish) watcher.next();
        assertThat(p.topic()).isEqualTo("wd/late");
        assertThat(p.properties().has(PropertyId.WILL_DELAY_INTERVAL)).isFalse();
    }

    @Test
    void aSessionThatEndsWithItsConnectionStillWaitsForTheWillDelay() throws Exception {
        // Mosquitto's 07-will-delay: Session Expiry 0 and Will Delay 3 s, the will comes after the delay. The
        // will MUST be published after the close and either the delay elapsed or the session ended
        // [MQTT-3.1.2-8]; Mosquitto waits the delay, which the unless clause below needs
        RawClient watcher = raw();
        watcher.connect("watch3");
        watcher.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("we/#", 0)), Properties.EMPTY));
        watcher.next();
        Packet.Will will = new Packet.Will("we/ended", utf8("gone"), 0, false,
                Properties.builder().put(PropertyId.WILL_DELAY_INTERVAL, 2L).build());
        RawClient c = raw();
        c.connect("wde", true, 60, will, Properties.EMPTY);
        long closed = System.nanoTime();
        c.close();
        Packet.Publish p = (Packet.Publish) watcher.next();
        assertThat(p.topic()).isEqualTo("we/ended");
        assertThat(System.nanoTime() - closed).as("not before the delay").isGreaterThan(1_500_000_000L);
    }

    @Test
    void aNewConnectionForTheClientIdDeletesTheWillOfASessionThatEnded() throws Exception {
        // Mosquitto's 07-will-delay-reconnect: "unless ... a new Network Connection for the ClientID is opened
        // before the Will Delay Interval has elapsed" [MQTT-3.1.2-8], even with Clean Start and no will
        RawClient watcher = raw();
        watcher.connect("watch4");
        watcher.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("wr/#", 0)), Properties.EMPTY));
        watcher.next();
        Packet.Will will = new Packet.Will("wr/ended", utf8("gone"), 0, false,
                Properties.builder().put(PropertyId.WILL_DELAY_INTERVAL, 1L).build());
        RawClient c = raw();
        c.connect("wdr", false, 60, will, Properties.EMPTY);
        c.close();
        // the close is handled (the ended session is gone, its will waiting) before the client is back: a CONNECT
        // on another connection that overtakes the close is another case (a takeover)
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker.sessions().get("wdr") == null);
        RawClient back = raw();
        assertThat(back.connect("wdr", true, 60, null, Properties.EMPTY).reasonCode()).isZero();
        back.close();
        // nothing, well past the 1 s delay; then the marker shows the watcher is still served
        watcher.setTimeout(2500);
        org.assertj.core.api.Assertions.assertThatThrownBy(watcher::next)
                .isInstanceOf(java.net.SocketTimeoutException.class);
        watcher.setTimeout(10_000);
        publish("wr/marker", "m", 0);
        assertThat(((Packet.Publish) watcher.next()).topic()).isEqualTo("wr/marker");
    }

    @Test
    void connackCarriesAssignedIdentifierAndServerCapabilities() throws Exception {
        RawClient r = raw();
        Packet.ConnAck ack = r.connect("", true, 60, null, Properties.EMPTY);
        assertThat(ack.reasonCode()).isZero();
        assertThat(ack.properties().stringValue(PropertyId.ASSIGNED_CLIENT_IDENTIFIER)).startsWith("auto-");
        assertThat(ack.properties().has(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE)).as("default is available").isFalse();
        assertThat(ack.properties().intValue(PropertyId.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 1)).isEqualTo(1);
    }

    @Test
    void perListenerSettingsGiveEachListenerItsOwnAutoIdPrefix() throws Exception {
        broker.close();
        broker = TestBroker.start(c -> {
            c.perListenerSettings(true);
            c.listeners().get(0).autoIdPrefix("edge-").allowAnonymous(true);
        });
        RawClient r = raw();
        Packet.ConnAck ack = r.connect("", true, 60, null, Properties.EMPTY);
        assertThat(ack.properties().stringValue(PropertyId.ASSIGNED_CLIENT_IDENTIFIER)).startsWith("edge-");
    }

    @Test
    void serverKeepAliveLowersTheClientsKeepAlive() throws Exception {
        broker.close();
        broker = TestBroker.start(c -> c.maxKeepalive(30));
        RawClient r = raw();
        Packet.ConnAck ack = r.connect("ka", true, 600, null, Properties.EMPTY);
        assertThat(ack.properties().intValue(PropertyId.SERVER_KEEP_ALIVE, -1)).isEqualTo(30);
    }

    @Test
    void takenOverClientHearsDisconnect0x8E() throws Exception {
        RawClient first = raw();
        first.connect("same5");
        RawClient second = raw();
        second.connect("same5");
        List<Packet> got = first.readUntilClosed();
        assertThat(got).containsExactly(new Packet.Disconnect(0x8E, Properties.EMPTY));
    }

    @Test
    void shutdownSendsDisconnect0x8B() throws Exception {
        RawClient r = raw();
        r.connect("bye");
        broker.broker.close();
        assertThat(r.readUntilClosed()).containsExactly(new Packet.Disconnect(0x8B, Properties.EMPTY));
    }

    @Test
    void authenticationMethodWithoutConfiguredMethodGetsConnack0x8C() throws Exception {
        RawClient r = raw();
        Packet.ConnAck ack = r.connect("auth", true, 60, null,
                Properties.builder().put(PropertyId.AUTHENTICATION_METHOD, "SCRAM-SHA-1").build());
        assertThat(ack.reasonCode()).isEqualTo(0x8C);
    }

    @Test
    void exceedingTheBrokersReceiveMaximumGetsDisconnect0x93() throws Exception {
        broker.close();
        broker = TestBroker.start(c -> c.maxInflightMessages(2));
        RawClient r = raw();
        Packet.ConnAck ack = r.connect("greedy");
        assertThat(ack.properties().intValue(PropertyId.RECEIVE_MAXIMUM, 0)).isEqualTo(2);
        List<Packet> got = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            r.send(new Packet.Publish("g", 2, false, false, i, utf8("x"), Properties.EMPTY));
        }
        got.addAll(r.readUntilClosed());
        assertThat(got).last().isEqualTo(new Packet.Disconnect(0x93, Properties.EMPTY));
    }

    @Test
    void packetOverMaxPacketSizeGetsDisconnect0x95() throws Exception {
        broker.close();
        broker = TestBroker.start(c -> c.maxPacketSize(100));
        RawClient r = raw();
        Packet.ConnAck ack = r.connect("big");
        assertThat(ack.properties().longValue(PropertyId.MAXIMUM_PACKET_SIZE, 0)).isEqualTo(100L);
        r.send(new Packet.Publish("big", 0, false, false, 0, new byte[200], Properties.EMPTY));
        assertThat(r.readUntilClosed()).containsExactly(new Packet.Disconnect(0x95, Properties.EMPTY));
    }

    @Test
    void payloadOverMessageSizeLimitIsRefusedWithQuotaExceeded() throws Exception {
        broker.close();
        broker = TestBroker.start(c -> c.messageSizeLimit(10));
        RawClient sub = raw();
        sub.connect("msl-sub");
        sub.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("msl/#", 0)), Properties.EMPTY));
        sub.next();
        RawClient r = raw();
        r.connect("msl");
        r.send(new Packet.Publish("msl/a", 1, false, false, 1, new byte[11], Properties.EMPTY));
        assertThat(r.next()).isEqualTo(new Packet.PubAck(1, 0x97, Properties.EMPTY));
        r.send(new Packet.Publish("msl/b", 1, false, false, 2, new byte[10], Properties.EMPTY));
        assertThat(r.next()).isEqualTo(new Packet.PubAck(2, 0, Properties.EMPTY));
        assertThat(((Packet.Publish) sub.next()).topic()).as("only the small one").isEqualTo("msl/b");
    }

    @Test
    void duplicatePropertyGetsDisconnectWithProtocolError() throws Exception {
        RawClient r = raw();
        r.connect("dupprop");
        // PUBLISH QoS 0 topic "a" with two Payload Format Indicator properties
        r.sendBytes(java.util.HexFormat.of().parseHex("3009000161040101010178"));
        assertThat(r.readUntilClosed()).containsExactly(new Packet.Disconnect(0x82, Properties.EMPTY));
    }

    @Test
    void v3AndV5ClientsExchangeMessages() throws Exception {
        RawClient v5 = raw();
        v5.connect("v5");
        v5.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("mix/#", 0)), Properties.EMPTY));
        v5.next();
        try (RawClient v3 = new RawClient(broker.port(), MqttVersion.MQTT_3_1_1)) {
            v3.connect("v3");
            v3.send(new Packet.Subscribe(1, List.of(new Packet.Subscription("mix/#", 0)), Properties.EMPTY));
            v3.next();
            v5.send(new Packet.Publish("mix/a", 0, false, false, 0, utf8("from5"),
                    Properties.builder().userProperty("k", "v").build()));
            Packet.Publish at3 = (Packet.Publish) v3.next();
            assertThat(at3.properties()).isEqualTo(Properties.EMPTY);
            v3.send(new Packet.Publish("mix/b", 0, false, false, 0, utf8("from3"), Properties.EMPTY));
            Packet.Publish at5a = (Packet.Publish) v5.next();
            Packet.Publish at5b = (Packet.Publish) v5.next();
            assertThat(List.of(at5a.topic(), at5b.topic())).containsExactly("mix/a", "mix/b");
        }
    }
}
