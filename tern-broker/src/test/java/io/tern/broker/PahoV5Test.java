package io.tern.broker;

import io.tern.broker.Paho5Client.Got;
import io.tern.codec.MqttVersion;
import io.tern.codec.Packet;
import io.tern.codec.Properties;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * MQTT 5 behaviour driven by Eclipse Paho's mqttv5 client (1.2.5), the second real client next to HiveMQ's
 * in {@link Mqtt5Test}. Where Paho itself enforces a CONNACK limit (Maximum QoS, Retain Available) and so never
 * lets the broker's side of the rule be reached, a raw client shows the broker's refusal as well.
 */
class PahoV5Test {

    private TestBroker broker;
    private final List<Paho5Client> clients = new ArrayList<>();
    private final List<AutoCloseable> others = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (Paho5Client c : clients) {
            c.closeQuietly();
        }
        for (AutoCloseable c : others) {
            c.close();
        }
        broker.close();
    }

    private void restart(Consumer<io.tern.broker.config.BrokerConfig> tweak) throws IOException {
        broker.close();
        broker = TestBroker.start(tweak);
    }

    /** A Paho v5 client, not yet connected. */
    private Paho5Client paho(String id) throws MqttException {
        Paho5Client c = new Paho5Client(broker.tcpUri(), id);
        clients.add(c);
        return c;
    }

    /** A Paho v5 client connected with Paho's defaults (clean start, session ends at disconnect). */
    private Paho5Client connected(String id) throws MqttException {
        return paho(id).connect(o -> { });
    }

    private RawClient raw() throws IOException {
        RawClient r = new RawClient(broker.port(), MqttVersion.MQTT_5);
        others.add(r);
        return r;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static MqttProperties sessionExpiry(long seconds) {
        MqttProperties p = new MqttProperties();
        p.setSessionExpiryInterval(seconds);
        return p;
    }

    private static MqttSubscription sub(String filter, int qos, Consumer<MqttSubscription> options) {
        MqttSubscription s = new MqttSubscription(filter, qos);
        options.accept(s);
        return s;
    }

    /** Lets wall-clock time pass for features defined in seconds (expiry, will delay); not a synchronisation. */
    private static void letTimePass(Duration d) {
        await().pollDelay(d).atMost(d.plusSeconds(5)).until(() -> true);
    }

    // ---------------------------------------------------------------- session expiry

    @Test
    void sessionWithExpiryIsKeptAcrossReconnectWithCleanStartFalse() throws Exception {
        Paho5Client sub = paho("p5-expiring").connect(o -> o.setSessionExpiryInterval(60L));
        sub.subscribe("se/#", 1);
        sub.disconnect();
        broker.broker.publish("se/1", utf8("queued"), 1, false);

        Paho5Client back = paho("p5-expiring").connect(o -> {
            o.setCleanStart(false);
            o.setSessionExpiryInterval(60L);
        });
        // [MQTT-3.2.2-3]: the session and its subscription survived; the queued message follows
        assertThat(back.connack.getSessionPresent()).isTrue();
        Got g = back.take();
        assertThat(g.topic()).isEqualTo("se/1");
        assertThat(g.payload()).isEqualTo("queued");
        assertThat(g.message().getQos()).isEqualTo(1);
    }

    @Test
    void sessionExpiryZeroEndsTheSessionAtDisconnect() throws Exception {
        // Paho sends no Session Expiry Interval unless set: absent means 0 (3.1.2.11.2)
        Paho5Client c = paho("p5-short").connect(o -> o.setCleanStart(false));
        c.subscribe("x/#", 1);
        c.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker.sessions().get("p5-short") == null);
        broker.broker.publish("x/1", utf8("lost"), 1, false);

        Paho5Client back = paho("p5-short").connect(o -> o.setCleanStart(false));
        assertThat(back.connack.getSessionPresent()).isFalse();
        assertThat(back.poll(300)).as("no subscription survived, so nothing was queued").isNull();
    }

    @Test
    void disconnectCanChangeTheSessionExpiryInterval() throws Exception {
        Paho5Client longer = paho("p5-longer").connect(o -> o.setSessionExpiryInterval(60L));
        longer.subscribe("dx/#", 1);
        longer.disconnect(sessionExpiry(120));
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            Session s = broker.broker.sessions().get("p5-longer");
            return s != null && !s.online();
        });
        assertThat(broker.broker.sessions().get("p5-longer").expirySeconds()).isEqualTo(120);

        // 3.14.2.2.2: DISCONNECT with Session Expiry 0 ends a session CONNECT asked to keep for 60 s
        Paho5Client shorter = paho("p5-shorter").connect(o -> o.setSessionExpiryInterval(60L));
        shorter.subscribe("dx/#", 1);
        shorter.disconnect(sessionExpiry(0));
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker.sessions().get("p5-shorter") == null);
        Paho5Client back = paho("p5-shorter").connect(o -> {
            o.setCleanStart(false);
            o.setSessionExpiryInterval(60L);
        });
        assertThat(back.connack.getSessionPresent()).isFalse();
    }

    // ---------------------------------------------------------------- message expiry

    @Test
    void queuedAndRetainedMessagesExpireAndTheForwardedIntervalIsDecremented() throws Exception {
        Paho5Client sub = paho("p5-mexp").connect(o -> o.setSessionExpiryInterval(60L));
        sub.subscribe("mx/#", 1);
        sub.disconnect();

        Paho5Client pub = connected("p5-mexp-pub");
        MqttProperties shortLife = new MqttProperties();
        shortLife.setMessageExpiryInterval(1L);
        pub.publish("mx/short", new MqttMessage(utf8("gone"), 1, false, shortLife));
        MqttProperties longLife = new MqttProperties();
        longLife.setMessageExpiryInterval(100L);
        pub.publish("mx/long", new MqttMessage(utf8("kept"), 1, false, longLife));
        MqttProperties retainedShort = new MqttProperties();
        retainedShort.setMessageExpiryInterval(1L);
        pub.publish("rx/short", new MqttMessage(utf8("gone"), 1, true, retainedShort));
        pub.publish("rx/long", "kept", 1, true);

        // the feature is about wall-clock seconds: let the 1 s messages outlive their interval
        letTimePass(Duration.ofMillis(2100));

        Paho5Client late = connected("p5-rexp-sub");
        late.subscribe("rx/#", 1);
        // 3.3.2.3.3: a retained message past its expiry is no longer sent to new subscribers
        assertThat(late.take().topic()).isEqualTo("rx/long");

        Paho5Client back = paho("p5-mexp").connect(o -> {
            o.setCleanStart(false);
            o.setSessionExpiryInterval(60L);
        });
        assertThat(back.connack.getSessionPresent()).isTrue();
        Got g = back.take();
        // [MQTT-3.3.2-5]: the expired message is not delivered
        assertThat(g.topic()).isEqualTo("mx/long");
        // [MQTT-3.3.2-6]: the forwarded interval is what is left of the 100 s
        assertThat(g.props().getMessageExpiryInterval()).isBetween(90L, 98L);
        assertThat(back.poll(300)).isNull();
        assertThat(late.poll(0)).isNull();
    }

    @Test
    void aMessageForwardedAtOnceKeepsAPositiveExpiryInterval() throws Exception {
        Paho5Client sub = connected("p5-fresh-sub");
        sub.subscribe("fx/#", 1);
        Paho5Client pub = connected("p5-fresh-pub");
        MqttProperties oneSecond = new MqttProperties();
        oneSecond.setMessageExpiryInterval(1L);
        pub.publish("fx/a", new MqttMessage(utf8("fresh"), 1, false, oneSecond));
        Got g = sub.take();
        // [MQTT-3.3.2-6]: received value minus the time waited (milliseconds here); a message that has not
        // expired must not reach the subscriber with an interval of 0
        assertThat(g.props().getMessageExpiryInterval()).isEqualTo(1L);
    }

    // ---------------------------------------------------------------- topic aliases

    @Test
    void inboundTopicAliasesFromPahoAreResolved() throws Exception {
        Paho5Client sub = connected("p5-alias-sub");
        sub.subscribe("ta/#", 1);
        Paho5Client pub = connected("p5-alias-pub");
        // Paho assigns aliases by itself up to the CONNACK's Topic Alias Maximum (Mosquitto's default 10)
        assertThat(pub.connackProperties().getTopicAliasMaximum()).isEqualTo(10);

        MqttMessage first = new MqttMessage(utf8("1"), 1, false, new MqttProperties());
        MqttMessage second = new MqttMessage(utf8("2"), 1, false, new MqttProperties());
        MqttMessage other = new MqttMessage(utf8("3"), 1, false, new MqttProperties());
        pub.publish("ta/in", first);
        pub.publish("ta/in", second);
        pub.publish("ta/other", other);
        // Paho shares the message's properties with the PUBLISH it sent: the second one went with the alias
        // only (empty topic), so the broker must have resolved it
        assertThat(second.getProperties().getTopicAlias()).isEqualTo(first.getProperties().getTopicAlias())
                .isNotNull();
        assertThat(other.getProperties().getTopicAlias()).isNotEqualTo(first.getProperties().getTopicAlias());

        List<String> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Got g = sub.take();
            got.add(g.topic() + "=" + g.payload());
            // aliases belong to one connection; this subscriber allowed none, so it gets full topics
            assertThat(g.props().getTopicAlias()).isNull();
        }
        assertThat(got).containsExactly("ta/in=1", "ta/in=2", "ta/other=3");
    }

    @Test
    void outboundTopicAliasesStayWithinPahosMaximumAndResolveToTheRightTopic() throws Exception {
        Paho5Client sub = paho("p5-alias-out").connect(o -> o.setTopicAliasMaximum(2));
        sub.subscribe("ao/#", 0);
        List<String> topics = List.of("ao/a", "ao/a", "ao/b", "ao/c", "ao/b", "ao/a", "ao/c");
        for (int i = 0; i < topics.size(); i++) {
            broker.broker.publish(topics.get(i), utf8(Integer.toString(i)), 0, false);
        }
        // Paho 1.2.5 maps an alias to "" when the broker later sends only the alias (its ClientState tests the
        // topic for null, the decoder gives ""; eclipse-paho/paho.mqtt.java#866), so resolve aliases here the way
        // the specification says a client must (3.3.2.3.4): a topic sets the mapping, an empty topic uses it
        Map<Integer, String> aliases = new HashMap<>();
        List<String> resolved = new ArrayList<>();
        for (int i = 0; i < topics.size(); i++) {
            Got g = sub.take();
            assertThat(g.payload()).isEqualTo(Integer.toString(i));
            Integer alias = g.props().getTopicAlias();
            String topic = g.topic();
            if (alias != null) {
                // [MQTT-3.3.2-11]: never above the client's Topic Alias Maximum (2)
                assertThat(alias).isBetween(1, 2);
                if (topic.isEmpty()) {
                    assertThat(aliases).as("alias %d used before it was set", alias).containsKey(alias);
                    topic = aliases.get(alias);
                } else {
                    aliases.put(alias, topic);
                }
            }
            resolved.add(topic);
        }
        assertThat(resolved).isEqualTo(topics);
        assertThat(aliases).as("the broker did use aliases towards Paho").isNotEmpty();
        assertThat(sub.client.isConnected()).isTrue();
    }

    // ---------------------------------------------------------------- subscription identifiers and options

    @Test
    void subscriptionIdentifiersOfBothOverlappingSubscriptionsComeOnOneMessage() throws Exception {
        Paho5Client c = connected("p5-subid");
        MqttProperties seven = new MqttProperties();
        seven.setSubscriptionIdentifier(7);
        c.subscribe(seven, new MqttSubscription("sid/+", 1));
        MqttProperties nine = new MqttProperties();
        nine.setSubscriptionIdentifier(9);
        c.subscribe(nine, new MqttSubscription("sid/#", 0));

        connected("p5-subid-pub").publish("sid/x", "m", 1, false);
        Got g = c.take();
        // [MQTT-3.3.4-3], [MQTT-3.3.4-5]: one message at the higher QoS, with both identifiers
        assertThat(g.props().getSubscriptionIdentifiers()).containsExactlyInAnyOrder(7, 9);
        assertThat(g.message().getQos()).isEqualTo(1);
        assertThat(c.poll(300)).as("one copy only").isNull();

        connected("p5-subid-pub2").publish("sid/x/deeper", "only#", 0, false);
        assertThat(c.take().props().getSubscriptionIdentifiers()).containsExactly(9);
    }

    @Test
    void noLocalSuppressesTheClientsOwnMessages() throws Exception {
        Paho5Client c = connected("p5-nolocal");
        c.subscribe(null, sub("nl/#", 1, s -> s.setNoLocal(true)));
        c.publish("nl/own", "mine", 1, false);
        connected("p5-nolocal-other").publish("nl/other", "theirs", 1, false);
        // [MQTT-3.8.3-3]
        assertThat(c.take().topic()).isEqualTo("nl/other");
        assertThat(c.poll(300)).isNull();
    }

    @Test
    void retainAsPublishedKeepsTheRetainFlagOnLiveMessages() throws Exception {
        Paho5Client asPublished = connected("p5-rap1");
        asPublished.subscribe(null, sub("rap/#", 1, s -> s.setRetainAsPublished(true)));
        Paho5Client cleared = connected("p5-rap0");
        cleared.subscribe(null, sub("rap/#", 1, s -> s.setRetainAsPublished(false)));

        connected("p5-rap-pub").publish("rap/x", "live", 1, true);
        // [MQTT-3.3.1-13] and [MQTT-3.3.1-12]
        assertThat(asPublished.take().message().isRetained()).isTrue();
        assertThat(cleared.take().message().isRetained()).isFalse();
    }

    @Test
    void retainHandlingZeroOneAndTwo() throws Exception {
        broker.broker.publish("rh/x", utf8("stored"), 1, true);

        Paho5Client always = connected("p5-rh0");
        always.subscribe(null, sub("rh/#", 1, s -> s.setRetainHandling(0)));
        Got first = always.take();
        assertThat(first.payload()).isEqualTo("stored");
        assertThat(first.message().isRetained()).isTrue();
        // [MQTT-3.3.1-9]: 0 sends the retained messages on every SUBSCRIBE, even a repeated one
        always.subscribe(null, sub("rh/#", 1, s -> s.setRetainHandling(0)));
        assertThat(always.take().payload()).isEqualTo("stored");

        Paho5Client ifNew = connected("p5-rh1");
        ifNew.subscribe(null, sub("rh/#", 1, s -> s.setRetainHandling(1)));
        assertThat(ifNew.take().payload()).isEqualTo("stored");
        // [MQTT-3.3.1-10]: 1 sends nothing when the subscription already existed
        ifNew.subscribe(null, sub("rh/#", 1, s -> s.setRetainHandling(1)));

        Paho5Client never = connected("p5-rh2");
        // [MQTT-3.3.1-11]: 2 never sends them
        never.subscribe(null, sub("rh/#", 1, s -> s.setRetainHandling(2)));

        broker.broker.publish("rh/marker", utf8("live"), 1, false);
        assertThat(always.take().payload()).isEqualTo("live");
        assertThat(ifNew.take().payload()).as("no second retained copy before the live one").isEqualTo("live");
        assertThat(never.take().payload()).as("no retained copy before the live one").isEqualTo("live");
    }

    // ---------------------------------------------------------------- shared subscriptions

    @Test
    void sharedSubscriptionGivesEachMessageToExactlyOneMember() throws Exception {
        Paho5Client a = connected("p5-member-a");
        Paho5Client b = connected("p5-member-b");
        assertThat(a.subscribe("$share/g/work/#", 1)).containsExactly(1);
        assertThat(b.subscribe("$share/g/work/#", 1)).containsExactly(1);
        Paho5Client pub = connected("p5-worker-pub");
        int n = 20;
        for (int i = 0; i < n; i++) {
            pub.publish("work/" + i, Integer.toString(i), 1, false);
        }
        List<String> atA = new ArrayList<>();
        List<String> atB = new ArrayList<>();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            drain(a.inbox, atA);
            drain(b.inbox, atB);
            return atA.size() + atB.size() >= n;
        });
        assertThat(a.poll(200)).isNull();
        assertThat(b.poll(50)).isNull();
        List<String> all = new ArrayList<>(atA);
        all.addAll(atB);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(Integer.toString(i));
        }
        // every message exactly once across the group, and both members took part
        assertThat(all).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(atA).isNotEmpty();
        assertThat(atB).isNotEmpty();
    }

    private static void drain(BlockingQueue<Got> q, List<String> into) {
        Got g;
        while ((g = q.poll()) != null) {
            into.add(g.payload());
        }
    }

    @Test
    void retainedMessagesAreNotSentOnASharedSubscribe() throws Exception {
        broker.broker.publish("sr/x", utf8("retained"), 1, true);
        Paho5Client a = connected("p5-shared-retain");
        a.subscribe("$share/g/sr/#", 1);
        broker.broker.publish("sr/x", utf8("live"), 1, false);
        // 3.3.1.3 / 4.8.2: retained messages are sent only for a new non-shared subscription
        assertThat(a.take().payload()).isEqualTo("live");
    }

    // ---------------------------------------------------------------- Receive Maximum

    @Test
    void brokersReceiveMaximumIsAnnouncedAndBoundsItsUnacknowledgedDeliveries() throws Exception {
        restart(c -> c.maxInflightMessages(5));
        Paho5Client c = paho("p5-inflight");
        c.client.setManualAcks(true);
        c.connect(o -> { });
        assertThat(c.connackProperties().getReceiveMaximum()).isEqualTo(5);
        c.subscribe("rmb/#", 1);
        for (int i = 0; i < 8; i++) {
            broker.broker.publish("rmb/x", utf8(Integer.toString(i)), 1, false);
        }
        List<Got> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            got.add(c.take());
        }
        // max_inflight_messages also bounds what the broker has unacknowledged towards the client
        assertThat(c.poll(300)).isNull();
        c.client.messageArrivedComplete(got.get(0).message().getId(), 1);
        assertThat(c.take().payload()).isEqualTo("5");
        assertThat(c.poll(200)).isNull();
    }

    @Test
    void clientsReceiveMaximumBoundsUnacknowledgedDeliveries() throws Exception {
        Paho5Client c = paho("p5-rm");
        c.client.setManualAcks(true);
        c.connect(o -> o.setReceiveMaximum(2));
        c.subscribe("rm/#", 1);
        for (int i = 0; i < 5; i++) {
            broker.broker.publish("rm/x", utf8(Integer.toString(i)), 1, false);
        }
        Got p0 = c.take();
        Got p1 = c.take();
        assertThat(List.of(p0.payload(), p1.payload())).containsExactly("0", "1");
        // [MQTT-3.3.4-9]: no third QoS 1 message until one is acknowledged
        assertThat(c.poll(300)).isNull();
        c.client.messageArrivedComplete(p0.message().getId(), 1);
        assertThat(c.take().payload()).isEqualTo("2");
        assertThat(c.poll(200)).isNull();
        c.client.messageArrivedComplete(p1.message().getId(), 1);
        assertThat(c.take().payload()).isEqualTo("3");
    }

    // ---------------------------------------------------------------- Maximum Packet Size

    @Test
    void messagesLargerThanPahosMaximumPacketSizeAreDropped() throws Exception {
        Paho5Client c = paho("p5-mps").connect(o -> o.setMaximumPacketSize(100L));
        c.subscribe("mps/#", 1);
        broker.broker.publish("mps/big", new byte[200], 1, false);
        broker.broker.publish("mps/small", utf8("ok"), 1, false);
        // [MQTT-3.1.2-24], [MQTT-3.1.2-25]: the broker drops what the client could not accept; Paho would have taken it
        // (it checks inbound size against the server's maximum), so a broker that sent it fails here
        Got g = c.take();
        assertThat(g.topic()).isEqualTo("mps/small");
        assertThat(c.poll(200)).isNull();
        assertThat(c.client.isConnected()).isTrue();
    }

    @Test
    void publishOverTheBrokersMaximumPacketSizeGetsDisconnect0x95() throws Exception {
        restart(c -> c.maxPacketSize(100));
        Paho5Client c = connected("p5-big");
        assertThat(c.connackProperties().getMaximumPacketSize()).isEqualTo(100L);
        // Paho 1.2.5 checks outbound size against its own option, not the CONNACK's, so it sends this
        c.client.publish("big", new MqttMessage(new byte[200], 0, false, null));
        MqttDisconnectResponse d = c.awaitDisconnect();
        assertThat(d.getReturnCode()).isEqualTo(0x95);
    }

    // ---------------------------------------------------------------- request/response and properties

    @Test
    void requestResponsePropertiesAreForwardedUnchanged() throws Exception {
        Paho5Client responder = connected("p5-rr-sub");
        responder.subscribe("req/#", 1);
        Paho5Client requester = connected("p5-rr-pub");
        requester.subscribe("resp/#", 1);

        MqttProperties p = new MqttProperties();
        p.setResponseTopic("resp/a");
        p.setCorrelationData(utf8("corr-1"));
        p.setContentType("application/json");
        p.setPayloadFormat(true);
        p.setUserProperties(new ArrayList<>(List.of(new UserProperty("k1", "v1"), new UserProperty("k2", "x"),
                new UserProperty("k1", "v2"), new UserProperty("k1", "v1"))));
        requester.publish("req/a", new MqttMessage(utf8("{\"q\":1}"), 1, false, p));

        Got req = responder.take();
        assertThat(req.payload()).isEqualTo("{\"q\":1}");
        assertThat(req.props().getResponseTopic()).isEqualTo("resp/a");
        assertThat(req.props().getCorrelationData()).isEqualTo(utf8("corr-1"));
        assertThat(req.props().getContentType()).isEqualTo("application/json");
        assertThat(req.props().getPayloadFormat()).isTrue();
        // [MQTT-3.3.2-17], [MQTT-3.3.2-18]: user properties in order, repeats kept
        assertThat(req.props().getUserProperties()).extracting(u -> u.getKey() + "=" + u.getValue())
                .containsExactly("k1=v1", "k2=x", "k1=v2", "k1=v1");

        MqttProperties answer = new MqttProperties();
        answer.setCorrelationData(req.props().getCorrelationData());
        responder.publish(req.props().getResponseTopic(), new MqttMessage(utf8("42"), 1, false, answer));
        Got resp = requester.take();
        assertThat(resp.topic()).isEqualTo("resp/a");
        assertThat(resp.props().getCorrelationData()).isEqualTo(utf8("corr-1"));
        assertThat(resp.props().getPayloadFormat()).as("not set on the answer").isFalse();
        assertThat(resp.props().getContentType()).isNull();
    }

    // ---------------------------------------------------------------- wills

    @Test
    void willIsPublishedAfterItsDelayWithItsProperties() throws Exception {
        Paho5Client watcher = connected("p5-watch");
        watcher.subscribe("wd/#", 1);

        MqttProperties willProps = new MqttProperties();
        willProps.setWillDelayInterval(2L);
        willProps.setContentType("text/plain");
        willProps.setResponseTopic("wd/answer");
        willProps.setCorrelationData(utf8("w-1"));
        willProps.setPayloadFormat(true);
        willProps.setMessageExpiryInterval(1L);
        willProps.setUserProperties(new ArrayList<>(List.of(new UserProperty("why", "crash"),
                new UserProperty("why", "test"))));
        Paho5Client dying = paho("p5-wdl").connect(o -> {
            o.setSessionExpiryInterval(60L);
            o.setWill("wd/late", new MqttMessage(utf8("gone"), 1, false, null));
            o.setWillMessageProperties(willProps);
        });
        dying.drop();
        // [MQTT-3.1.3-9]: not before the delay (2 s)
        assertThat(watcher.poll(500)).isNull();
        Got will = watcher.take();
        assertThat(will.topic()).isEqualTo("wd/late");
        assertThat(will.payload()).isEqualTo("gone");
        assertThat(will.message().getQos()).isEqualTo(1);
        assertThat(will.props().getContentType()).isEqualTo("text/plain");
        assertThat(will.props().getResponseTopic()).isEqualTo("wd/answer");
        assertThat(will.props().getCorrelationData()).isEqualTo(utf8("w-1"));
        assertThat(will.props().getPayloadFormat()).isTrue();
        // 3.1.3.2.4: the will's Message Expiry Interval "is sent as the Publication Expiry Interval when the
        // Server publishes the Will Message": its 1 s lifetime starts after the 2 s delay, not at the disconnect
        assertThat(will.props().getMessageExpiryInterval()).isEqualTo(1L);
        assertThat(will.props().getUserProperties()).extracting(u -> u.getKey() + "=" + u.getValue())
                .containsExactly("why=crash", "why=test");
        assertThat(will.props().getWillDelayInterval()).as("a will property, not forwarded").isNull();
    }

    @Test
    void willIsPublishedWhenTheSessionEndsBeforeTheWillDelay() throws Exception {
        Paho5Client watcher = connected("p5-watch4");
        watcher.subscribe("ws/#", 1);
        MqttProperties willProps = new MqttProperties();
        willProps.setWillDelayInterval(30L);
        Paho5Client dying = paho("p5-wses").connect(o -> {
            o.setSessionExpiryInterval(1L);
            o.setWill("ws/ended", new MqttMessage(utf8("gone"), 1, false, null));
            o.setWillMessageProperties(willProps);
        });
        dying.drop();
        // 3.1.3.2.2: published when the delay passes or the session ends, whichever is first (here after 1 s)
        assertThat(watcher.take().topic()).isEqualTo("ws/ended");
    }

    @Test
    void disconnectWithWillMessageReasonPublishesTheWill() throws Exception {
        Paho5Client watcher = connected("p5-watch5");
        watcher.subscribe("w4/#", 1);
        Paho5Client leaving = paho("p5-w4").connect(o ->
                o.setWill("w4/asked", new MqttMessage(utf8("on purpose"), 1, false, null)));
        // DISCONNECT 0x04 Disconnect with Will Message (3.14.2.1)
        leaving.client.disconnect(Paho5Client.WAIT_MS, null, null, 0x04, new MqttProperties())
                .waitForCompletion(Paho5Client.WAIT_MS);
        Got will = watcher.take();
        assertThat(will.topic()).isEqualTo("w4/asked");
        assertThat(will.payload()).isEqualTo("on purpose");
    }

    @Test
    void willIsCancelledWhenTheClientReconnectsWithinTheDelay() throws Exception {
        Paho5Client watcher = connected("p5-watch2");
        watcher.subscribe("wc/#", 0);
        MqttProperties willProps = new MqttProperties();
        willProps.setWillDelayInterval(30L);
        Paho5Client dying = paho("p5-wdc").connect(o -> {
            o.setSessionExpiryInterval(60L);
            o.setWill("wc/delayed", new MqttMessage(utf8("gone"), 0, false, null));
            o.setWillMessageProperties(willProps);
        });
        dying.drop();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            Session s = broker.broker.sessions().get("p5-wdc");
            return s != null && !s.online();
        });
        Paho5Client back = paho("p5-wdc").connect(o -> {
            o.setCleanStart(false);
            o.setSessionExpiryInterval(60L);
        });
        assertThat(back.connack.getSessionPresent()).isTrue();
        // [MQTT-3.1.3-9]: back within the delay, so no will; and it stays cancelled when this session ends
        back.disconnect(sessionExpiry(0));
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker.sessions().get("p5-wdc") == null);
        broker.broker.publish("wc/marker", utf8("m"), 0, false);
        assertThat(watcher.take().topic()).isEqualTo("wc/marker");
    }

    // ---------------------------------------------------------------- CONNACK

    @Test
    void connackAssignsAClientIdentifierForAnEmptyOne() throws Exception {
        Paho5Client c = paho("").connect(o -> { });
        String assigned = c.connackProperties().getAssignedClientIdentifier();
        // 3.2.2.3.7: a server-chosen identifier, returned because the client sent none
        assertThat(assigned).isNotBlank();
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker.sessions().get(assigned) != null);
        assertThat(c.connackProperties().isSubscriptionIdentifiersAvailable()).isTrue();
        assertThat(c.connackProperties().getTopicAliasMaximum()).isEqualTo(10);
    }

    @Test
    void connackServerKeepAliveLowersPahosKeepAlive() throws Exception {
        restart(c -> c.maxKeepalive(30));
        Paho5Client c = paho("p5-ka").connect(o -> o.setKeepAliveInterval(600));
        // [MQTT-3.2.2-21]: the client must use the server's value
        assertThat(c.connackProperties().getServerKeepAlive()).isEqualTo(30);
    }

    @Test
    void retainAvailableFalseIsAnnouncedAndRetainedPublishesAreRefused() throws Exception {
        restart(c -> c.retainAvailable(false));
        Paho5Client sub = connected("p5-noretain-sub");
        sub.subscribe(null, sub("nr/#", 1, s -> s.setRetainAsPublished(true)));
        Paho5Client c = connected("p5-noretain");
        assertThat(c.connackProperties().isRetainAvailable()).isFalse();
        // Paho obeys the CONNACK: it clears the RETAIN flag itself, so the message arrives but is not kept
        c.publish("nr/x", "not kept", 1, true);
        Got g = sub.take();
        assertThat(g.payload()).isEqualTo("not kept");
        assertThat(g.message().isRetained()).isFalse();
        assertThat(broker.broker.retained().match("nr/#")).isEmpty();
        assertThat(c.client.isConnected()).isTrue();

        // a client that ignores it is refused (3.2.2.3.5): DISCONNECT 0x9A Retain not supported
        RawClient r = raw();
        r.connect("p5-noretain-raw");
        r.send(new Packet.Publish("nr/y", 0, true, false, 0, utf8("x"), Properties.EMPTY));
        assertThat(r.readUntilClosed()).containsExactly(new Packet.Disconnect(0x9A, Properties.EMPTY));
        assertThat(broker.broker.retained().match("nr/#")).isEmpty();
    }

    @Test
    void listenerMaxQosOneIsAnnouncedAndHigherQosIsRefused() throws Exception {
        restart(c -> c.listeners().get(0).maxQos(1));
        Paho5Client sub = connected("p5-q1-sub");
        assertThat(sub.connackProperties().getMaximumQoS()).isEqualTo(1);
        // a QoS 2 subscription is granted at the listener's maximum
        assertThat(sub.subscribe("q1/#", 2)).containsExactly(1);
        Paho5Client pub = connected("p5-q1-pub");
        // Paho lowers a QoS 2 publish to the CONNACK's Maximum QoS itself
        pub.publish("q1/x", "two", 2, false);
        Got g = sub.take();
        assertThat(g.payload()).isEqualTo("two");
        assertThat(g.message().getQos()).isEqualTo(1);
        assertThat(pub.client.isConnected()).isTrue();

        // a client that ignores it is refused (3.2.2.3.4): DISCONNECT 0x9B QoS not supported
        RawClient r = raw();
        r.connect("p5-q1-raw");
        r.send(new Packet.Publish("q1/y", 2, false, false, 1, utf8("x"), Properties.EMPTY));
        assertThat(r.readUntilClosed()).containsExactly(new Packet.Disconnect(0x9B, Properties.EMPTY));
    }

    // ---------------------------------------------------------------- server DISCONNECT and refused CONNECT

    @Test
    void takenOverPahoClientHearsDisconnect0x8E() throws Exception {
        Paho5Client first = connected("p5-same");
        Paho5Client second = connected("p5-same");
        MqttDisconnectResponse d = first.awaitDisconnect();
        assertThat(d.getReturnCode()).isEqualTo(0x8E);
        assertThat(second.client.isConnected()).isTrue();
    }

    @Test
    void brokerShutdownSendsDisconnect0x8B() throws Exception {
        Paho5Client c = connected("p5-bye");
        broker.broker.close();
        assertThat(c.awaitDisconnect().getReturnCode()).isEqualTo(0x8B);
    }

    // keep-alive timeout (0x8D) is not tested with Paho: its pinger keeps the connection alive by design

    @Test
    void enhancedAuthenticationRequestIsRefusedWith0x8C() throws Exception {
        Paho5Client c = paho("p5-auth");
        MqttException e = catchThrowableOfType(() -> c.connect(o -> {
            o.setAuthMethod("SCRAM-SHA-1");
            o.setAuthData(utf8("client-first"));
        }), MqttException.class);
        // no authentication method is configured: 0x8C Bad authentication method
        assertThat(e).isNotNull();
        assertThat(e.getReasonCode()).isEqualTo(0x8C);
        assertThat(c.client.isConnected()).isFalse();
    }

    // ---------------------------------------------------------------- v3 and v5 Paho together

    @Test
    void pahoV3SubscriberReceivesAV5Publish() throws Exception {
        BlockingQueue<org.eclipse.paho.client.mqttv3.MqttMessage> v3inbox = new LinkedBlockingQueue<>();
        org.eclipse.paho.client.mqttv3.MqttClient v3 = v3Client("p5-v3-sub");
        v3.subscribe("mix/#", 1, (topic, m) -> v3inbox.add(m));

        MqttProperties p = new MqttProperties();
        p.setUserProperties(new ArrayList<>(List.of(new UserProperty("k", "v"))));
        p.setContentType("text/plain");
        p.setMessageExpiryInterval(100L);
        connected("p5-v5-pub").publish("mix/a", new MqttMessage(utf8("from5"), 1, false, p));

        org.eclipse.paho.client.mqttv3.MqttMessage m = v3inbox.poll(5, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(new String(m.getPayload(), StandardCharsets.UTF_8)).isEqualTo("from5");
        assertThat(m.getQos()).isEqualTo(1);
        assertThat(v3.isConnected()).as("the v3 codec got no v5 properties").isTrue();
    }

    @Test
    void pahoV5SubscriberReceivesAV3Publish() throws Exception {
        Paho5Client v5 = connected("p5-v5-sub");
        v5.subscribe("mix/#", 2);
        org.eclipse.paho.client.mqttv3.MqttClient v3 = v3Client("p5-v3-pub");
        v3.publish("mix/b", utf8("from3"), 2, false);

        Got g = v5.take();
        assertThat(g.topic()).isEqualTo("mix/b");
        assertThat(g.payload()).isEqualTo("from3");
        assertThat(g.message().getQos()).isEqualTo(2);
        assertThat(g.props().getUserProperties()).isEmpty();
        assertThat(g.props().getContentType()).isNull();
        assertThat(g.props().getMessageExpiryInterval()).isNull();
    }

    private org.eclipse.paho.client.mqttv3.MqttClient v3Client(String id) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient c = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.tcpUri(), id, new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        others.add(() -> {
            try {
                if (c.isConnected()) {
                    c.disconnectForcibly(0, 100);
                }
                c.close(true);
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                // already gone
            }
        });
        org.eclipse.paho.client.mqttv3.MqttConnectOptions o = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        o.setMqttVersion(org.eclipse.paho.client.mqttv3.MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(true);
        c.connect(o);
        return c;
    }
}
