package io.tern.cluster;

import io.tern.broker.TopicLevels;
import io.tern.codec.Topics;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Which nodes have subscribers for which filters: a topic tree of filters whose leaves hold node ids, so matching a
 * topic costs one walk whatever the number of subscribers (not one entry per subscriber: a node that has 10,000
 * sessions on {@code sensors/#} is one entry). Shared subscriptions are kept by their full {@code $share/g/f}
 * filter with the nodes that have members. Updated from any thread; read by publishers.
 */
final class RouteTable {

    private static final class Level {
        final ConcurrentHashMap<String, Level> children = new ConcurrentHashMap<>(4);
        final Set<UUID> nodes = ConcurrentHashMap.newKeySet();
        /** $share/g/f of this filter -> nodes with members. */
        final ConcurrentHashMap<String, Set<UUID>> shared = new ConcurrentHashMap<>(1);
    }

    private final Level root = new Level();

    /** Adds a route; {@code filter} may be a shared one. */
    void add(UUID node, String filter) {
        boolean isShared = Topics.isShared(filter);
        Level at = walk(isShared ? Topics.sharedTopicFilter(filter) : filter);
        if (isShared) {
            at.shared.computeIfAbsent(filter, k -> ConcurrentHashMap.newKeySet()).add(node);
        } else {
            at.nodes.add(node);
        }
    }

    /** Removes a route (empty tree levels stay: they are few, and removing them would race with adds). */
    void remove(UUID node, String filter) {
        boolean isShared = Topics.isShared(filter);
        Level at = find(isShared ? Topics.sharedTopicFilter(filter) : filter);
        if (at == null) {
            return;
        }
        if (isShared) {
            Set<UUID> s = at.shared.get(filter);
            if (s != null) {
                s.remove(node);
            }
        } else {
            at.nodes.remove(node);
        }
    }

    /** Drops every route of a node that left. */
    void removeNode(UUID node) {
        removeNode(root, node);
    }

    private static void removeNode(Level l, UUID node) {
        l.nodes.remove(node);
        l.shared.values().forEach(s -> s.remove(node));
        l.children.values().forEach(c -> removeNode(c, node));
    }

    /** Whether {@code node} has a route for {@code filter} (plain or shared). */
    boolean has(UUID node, String filter) {
        if (Topics.isShared(filter)) {
            return sharedMembers(filter).contains(node);
        }
        Level at = find(filter);
        return at != null && at.nodes.contains(node);
    }

    /** The nodes with members of one shared subscription. */
    Set<UUID> sharedMembers(String fullFilter) {
        Level at = find(Topics.sharedTopicFilter(fullFilter));
        Set<UUID> s = at == null ? null : at.shared.get(fullFilter);
        return s == null ? Set.of() : s;
    }

    /**
     * Calls {@code plain} with each node that has a plain subscription matching {@code topic} (a node may be
     * named more than once), and {@code shared} with each matching shared subscription and its nodes.
     * A filter starting with a wildcard does not match a topic starting with {@code $} [MQTT-4.7.2-1].
     */
    void match(String topic, Consumer<UUID> plain, BiConsumer<String, Set<UUID>> shared) {
        String[] levels = TopicLevels.split(topic);
        match(root, levels, 0, topic.startsWith("$"), plain, shared);
    }

    private static void match(Level l, String[] levels, int i, boolean dollar, Consumer<UUID> plain,
                              BiConsumer<String, Set<UUID>> shared) {
        if (!(dollar && i == 0)) {
            Level hash = l.children.get("#");
            if (hash != null) {
                emit(hash, plain, shared); // '#' also matches the parent level [MQTT-4.7.1-2]
            }
        }
        if (i == levels.length) {
            emit(l, plain, shared);
            return;
        }
        Level exact = l.children.get(levels[i]);
        if (exact != null) {
            match(exact, levels, i + 1, dollar, plain, shared);
        }
        if (!(dollar && i == 0)) {
            Level plus = l.children.get("+");
            if (plus != null) {
                match(plus, levels, i + 1, dollar, plain, shared);
            }
        }
    }

    private static void emit(Level l, Consumer<UUID> plain, BiConsumer<String, Set<UUID>> shared) {
        l.nodes.forEach(plain);
        if (!l.shared.isEmpty()) {
            for (Map.Entry<String, Set<UUID>> e : l.shared.entrySet()) {
                if (!e.getValue().isEmpty()) {
                    shared.accept(e.getKey(), e.getValue());
                }
            }
        }
    }

    private Level walk(String filter) {
        Level at = root;
        for (String level : TopicLevels.split(filter)) {
            at = at.children.computeIfAbsent(level, k -> new Level());
        }
        return at;
    }

    private Level find(String filter) {
        Level at = root;
        for (String level : TopicLevels.split(filter)) {
            at = at.children.get(level);
            if (at == null) {
                return null;
            }
        }
        return at;
    }
}
