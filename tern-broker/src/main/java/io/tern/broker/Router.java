package io.tern.broker;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * Routes a published message to every matching subscription. Several subscriptions of one session
 * that match the same message produce one delivery at the highest granted QoS, carrying all their
 * subscription identifiers (MQTT 3.1.1 4.7.2 non-normative, MQTT 5 [MQTT-3.3.4-2], [MQTT-3.3.4-3]).
 */
public final class Router {

    /** Per-thread scratch space: routing allocates nothing but the deliveries themselves. */
    private static final class Scratch {
        final List<Subscriber> matches = new ArrayList<>();
        final IdentityHashMap<Session, Integer> index = new IdentityHashMap<>();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final TopicTree tree;
    private final boolean upgradeQos;

    Router(TopicTree tree, boolean upgradeQos) {
        this.tree = tree;
        this.upgradeQos = upgradeQos;
    }

    public TopicTree tree() { return tree; }

    /**
     * Delivers a message to its subscribers.
     *
     * @param msg  the message
     * @param from the publishing session (for No Local), or null
     * @return how many sessions it was handed to
     */
    public int publish(Message msg, Session from) {
        Scratch s = SCRATCH.get();
        List<Subscriber> matches = s.matches;
        matches.clear();
        tree.match(TopicLevels.split(msg.topic()), matches);
        int n = matches.size();
        if (n == 0) {
            return 0;
        }
        if (n == 1) {
            Subscriber sub = matches.get(0);
            matches.clear();
            if (sub.noLocal() && sub.session() == from) {
                return 0;
            }
            sub.session().offer(delivery(msg, sub.qos(), sub.retainAsPublished(),
                    sub.subscriptionId() == 0 ? null : new int[] {sub.subscriptionId()}));
            return 1;
        }
        // Merge subscriptions of the same session: max QoS, OR of retain-as-published, all ids.
        IdentityHashMap<Session, Integer> index = s.index;
        index.clear();
        List<Subscriber> merged = new ArrayList<>(n);
        List<int[]> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Subscriber sub = matches.get(i);
            if (sub.noLocal() && sub.session() == from) {
                continue;
            }
            Integer at = index.get(sub.session());
            if (at == null) {
                index.put(sub.session(), merged.size());
                merged.add(sub);
                ids.add(sub.subscriptionId() == 0 ? null : new int[] {sub.subscriptionId()});
            } else {
                Subscriber prev = merged.get(at);
                merged.set(at, new Subscriber(prev.session(), prev.filter(), Math.max(prev.qos(), sub.qos()),
                        false, prev.retainAsPublished() || sub.retainAsPublished(), 0, 0));
                if (sub.subscriptionId() != 0) {
                    int[] old = ids.get(at);
                    int[] grown = old == null ? new int[1] : java.util.Arrays.copyOf(old, old.length + 1);
                    grown[grown.length - 1] = sub.subscriptionId();
                    ids.set(at, grown);
                }
            }
        }
        matches.clear();
        index.clear();
        for (int i = 0; i < merged.size(); i++) {
            Subscriber sub = merged.get(i);
            sub.session().offer(delivery(msg, sub.qos(), sub.retainAsPublished(), ids.get(i)));
        }
        return merged.size();
    }

    private Delivery delivery(Message msg, int grantedQos, boolean retainAsPublished, int[] subIds) {
        int qos = upgradeQos ? grantedQos : Math.min(msg.qos(), grantedQos);
        // [MQTT-3.3.1-9] / [MQTT-3.3.1-12]: forwarded messages carry RETAIN=0 unless Retain As Published
        return new Delivery(msg, qos, retainAsPublished && msg.retain(), subIds);
    }
}
