package io.tern.dynsec;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable copy of what the ACL and password checks need, published after every change so that checks on
 * the event loops never lock. The checks are those of Mosquitto 2.0's plugin (plugins/dynamic-security/acl.c and
 * auth.c): the client's roles in order, then each of its groups' roles in order (or the anonymous group's roles
 * for a client without a username); within a role the ACLs of the type in priority order; the first ACL whose
 * topic matches decides, allow or deny; if none matches, the default access for the type decides, except that
 * {@code $CONTROL/} topics are never allowed by default.
 */
record Snapshot(Map<String, ClientEntry> clients, List<RoleAcls> anonymousRoles, boolean defaultPublishClientSend,
                boolean defaultPublishClientReceive, boolean defaultSubscribe, boolean defaultUnsubscribe) {

    static final Snapshot EMPTY = new Snapshot(Map.of(), null, false, false, false, false);

    /** A plugin answer: the plugin decides, or defers to what else is configured (ending in a refusal). */
    enum Verdict { ALLOW, DENY, DEFER }

    record ClientEntry(String clientid, boolean disabled, Model.Password password, List<RoleAcls> roles) {
    }

    /** One role's ACLs, ordered; literal (un)subscribe ACLs also by topic. */
    record RoleAcls(List<Model.Acl> publishSend, List<Model.Acl> publishReceive, Map<String, Model.Acl> subscribeLiteral,
                    List<Model.Acl> subscribePattern, Map<String, Model.Acl> unsubscribeLiteral,
                    List<Model.Acl> unsubscribePattern) {

        static RoleAcls of(Model.Role r) {
            return new RoleAcls(List.copyOf(r.acls.get(AclType.PUBLISH_CLIENT_SEND)),
                    List.copyOf(r.acls.get(AclType.PUBLISH_CLIENT_RECEIVE)),
                    byTopic(r.acls.get(AclType.SUBSCRIBE_LITERAL)), List.copyOf(r.acls.get(AclType.SUBSCRIBE_PATTERN)),
                    byTopic(r.acls.get(AclType.UNSUBSCRIBE_LITERAL)), List.copyOf(r.acls.get(AclType.UNSUBSCRIBE_PATTERN)));
        }

        private static Map<String, Model.Acl> byTopic(List<Model.Acl> acls) {
            Map<String, Model.Acl> m = new HashMap<>();
            for (Model.Acl a : acls) {
                m.putIfAbsent(a.topic(), a);
            }
            return Map.copyOf(m);
        }
    }

    /** MOSQ_EVT_BASIC_AUTH: deferred without username or password, or for a username the plugin does not know. */
    Verdict authenticate(String clientId, String username, byte[] password) {
        if (username == null || password == null) {
            return Verdict.DEFER;
        }
        ClientEntry c = clients.get(username);
        if (c == null) {
            return Verdict.DEFER;
        }
        if (c.disabled()) {
            return Verdict.DENY;
        }
        if (c.clientid() != null && !c.clientid().equals(clientId)) {
            return Verdict.DENY;
        }
        if (c.password() == null) {
            return Verdict.DEFER;
        }
        for (byte b : password) {
            if (b == 0) {
                return Verdict.DENY; // Mosquitto compares C strings; never let "pw\0x" pass as "pw"
            }
        }
        return c.password().verify(password) ? Verdict.ALLOW : Verdict.DENY;
    }

    Verdict canPublish(String username, String topic) {
        return check(username, topic, Kind.SEND, defaultPublishClientSend);
    }

    Verdict canReceive(String username, String topic) {
        return check(username, topic, Kind.RECEIVE, defaultPublishClientReceive);
    }

    Verdict canSubscribe(String username, String filter) {
        return check(username, filter, Kind.SUBSCRIBE, defaultSubscribe);
    }

    Verdict canUnsubscribe(String username, String filter) {
        return check(username, filter, Kind.UNSUBSCRIBE, defaultUnsubscribe);
    }

    private enum Kind { SEND, RECEIVE, SUBSCRIBE, UNSUBSCRIBE }

    private Verdict check(String username, String topic, Kind kind, boolean byDefault) {
        List<RoleAcls> roles;
        if (username != null) {
            ClientEntry c = clients.get(username);
            if (c == null) {
                return Verdict.DEFER;
            }
            roles = c.roles();
        } else {
            roles = anonymousRoles;
        }
        if (roles != null) {
            for (RoleAcls r : roles) {
                Verdict v = switch (kind) {
                    case SEND -> matchPublish(r.publishSend(), topic);
                    case RECEIVE -> matchPublish(r.publishReceive(), topic);
                    case SUBSCRIBE -> matchSubscribe(r.subscribeLiteral(), r.subscribePattern(), topic);
                    case UNSUBSCRIBE -> matchSubscribe(r.unsubscribeLiteral(), r.unsubscribePattern(), topic);
                };
                if (v != null) {
                    return v;
                }
            }
        }
        if (!byDefault || topic.startsWith("$CONTROL")) {
            // fall-through access is never given to $CONTROL topics: they must be granted explicitly
            return Verdict.DEFER;
        }
        return Verdict.ALLOW;
    }

    private static Verdict matchPublish(List<Model.Acl> acls, String topic) {
        for (Model.Acl a : acls) {
            if (Topics.matches(a.topic(), topic)) {
                return a.allow() ? Verdict.ALLOW : Verdict.DENY;
            }
        }
        return null;
    }

    private static Verdict matchSubscribe(Map<String, Model.Acl> literal, List<Model.Acl> patterns, String filter) {
        Model.Acl exact = literal.get(filter);
        if (exact != null) {
            return exact.allow() ? Verdict.ALLOW : Verdict.DENY;
        }
        for (Model.Acl a : patterns) {
            if (Topics.coversFilter(a.topic(), filter)) {
                return a.allow() ? Verdict.ALLOW : Verdict.DENY;
            }
        }
        return null;
    }
}
