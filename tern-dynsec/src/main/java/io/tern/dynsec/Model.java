package io.tern.dynsec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The clients, groups and roles of the dynamic-security plugin, the default ACL access and the anonymous group,
 * kept in the orders Mosquitto 2.0's plugin keeps them (so listings and the saved file come out alike): clients,
 * groups and roles by name (byte order, as strcmp); a client's or group's roles by priority, highest first, then
 * name; a client's groups likewise; a group's clients by username; a role's ACLs of each type by priority,
 * highest first, then in the order they were added.
 *
 * <p>Not thread-safe: only {@link DynamicSecurity}'s command thread touches it; readers use {@link Snapshot}s.
 */
final class Model {

    /** strcmp on UTF-8: code point order. */
    static final Comparator<String> NAME_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    /** A PBKDF2-SHA512 password hash as the plugin stores it (64-byte hash, 12-byte salt). */
    record Password(byte[] hash, byte[] salt, int iterations) {
        static final int SALT_LENGTH = 12;
        static final int HASH_LENGTH = 64;

        static Password create(String password, int iterations) {
            byte[] salt = new byte[SALT_LENGTH];
            new java.security.SecureRandom().nextBytes(salt);
            byte[] pw = password.getBytes(StandardCharsets.UTF_8);
            return new Password(io.tern.broker.security.PasswordHasher.pbkdf2Sha512(pw, salt, iterations), salt, iterations);
        }

        boolean verify(byte[] password) {
            return java.security.MessageDigest.isEqual(hash,
                    io.tern.broker.security.PasswordHasher.pbkdf2Sha512(password, salt, iterations));
        }
    }

    record Acl(String topic, int priority, boolean allow) {
    }

    /** A role held by a client or a group, with the priority it was given there (-1 when none was). */
    record RoleRef(Role role, int priority) {
    }

    /** A group a client is in, with the priority (-1 when none was given). */
    record GroupRef(Group group, int priority) {
    }

    static final Comparator<RoleRef> ROLE_REF_ORDER = Comparator.comparingInt((RoleRef r) -> -r.priority())
            .thenComparing(r -> r.role().name, NAME_ORDER);
    static final Comparator<GroupRef> GROUP_REF_ORDER = Comparator.comparingInt((GroupRef g) -> -g.priority())
            .thenComparing(g -> g.group().name, NAME_ORDER);

    static final class Client {
        final String username;
        String clientid;
        String textname;
        String textdescription;
        boolean disabled;
        Password password;
        final List<RoleRef> roles = new ArrayList<>();
        final List<GroupRef> groups = new ArrayList<>();

        Client(String username) {
            this.username = username;
        }
    }

    static final class Group {
        final String name;
        String textname;
        String textdescription;
        final List<RoleRef> roles = new ArrayList<>();
        /** Members by username, with the priority the group has for them. */
        final TreeMap<String, Integer> clients = new TreeMap<>(NAME_ORDER);

        Group(String name) {
            this.name = name;
        }
    }

    static final class Role {
        final String name;
        String textname;
        String textdescription;
        final EnumMap<AclType, List<Acl>> acls = new EnumMap<>(AclType.class);

        Role(String name) {
            this.name = name;
            for (AclType t : AclType.values()) {
                acls.put(t, new ArrayList<>());
            }
        }

        Acl find(AclType type, String topic) {
            for (Acl a : acls.get(type)) {
                if (a.topic().equals(topic)) {
                    return a;
                }
            }
            return null;
        }

        /** Inserts after every ACL of equal or higher priority, as the plugin's ordered insert does. */
        void addAcl(AclType type, Acl acl) {
            List<Acl> list = acls.get(type);
            int i = 0;
            while (i < list.size() && list.get(i).priority() >= acl.priority()) {
                i++;
            }
            list.add(i, acl);
        }
    }

    /** PBKDF2 iterations for passwords set through the API: Tern's default, far above the plugin's 101. */
    int passwordIterations = io.tern.broker.security.PasswordHasher.DEFAULT_ITERATIONS;

    /** Mosquitto's defaultACLAccess, false for each when not set. */
    boolean defaultPublishClientSend;
    boolean defaultPublishClientReceive;
    boolean defaultSubscribe;
    boolean defaultUnsubscribe;

    final TreeMap<String, Client> clients = new TreeMap<>(NAME_ORDER);
    final TreeMap<String, Group> groups = new TreeMap<>(NAME_ORDER);
    final TreeMap<String, Role> roles = new TreeMap<>(NAME_ORDER);
    Group anonymousGroup;

    // ---- relations, kept consistent on both sides

    /** Adds a role to a list of role references, in order; false when it is already there. */
    static boolean addRole(List<RoleRef> list, Role role, int priority) {
        for (RoleRef r : list) {
            if (r.role() == role) {
                return false;
            }
        }
        list.add(new RoleRef(role, priority));
        list.sort(ROLE_REF_ORDER);
        return true;
    }

    static boolean removeRole(List<RoleRef> list, Role role) {
        return list.removeIf(r -> r.role() == role);
    }

    /** Puts a client in a group with a priority; false when it is a member already. */
    static boolean addToGroup(Client client, Group group, int priority) {
        if (group.clients.containsKey(client.username)) {
            return false;
        }
        group.clients.put(client.username, priority);
        client.groups.add(new GroupRef(group, priority));
        client.groups.sort(GROUP_REF_ORDER);
        return true;
    }

    static void removeFromGroup(Client client, Group group) {
        group.clients.remove(client.username);
        client.groups.removeIf(g -> g.group() == group);
    }

    void deleteClient(Client c) {
        for (GroupRef g : List.copyOf(c.groups)) {
            removeFromGroup(c, g.group());
        }
        clients.remove(c.username);
    }

    void deleteGroup(Group g) {
        for (String username : List.copyOf(g.clients.keySet())) {
            removeFromGroup(clients.get(username), g);
        }
        if (anonymousGroup == g) {
            anonymousGroup = null;
        }
        groups.remove(g.name);
    }

    void deleteRole(Role r) {
        for (Client c : clients.values()) {
            removeRole(c.roles, r);
        }
        for (Group g : groups.values()) {
            removeRole(g.roles, r);
        }
        roles.remove(r.name);
    }

    /** The usernames of the clients that hold {@code role} directly or through a group. */
    List<String> holders(Role role) {
        List<String> out = new ArrayList<>();
        for (Client c : clients.values()) {
            if (c.roles.stream().anyMatch(r -> r.role() == role)
                    || c.groups.stream().anyMatch(g -> g.group().roles.stream().anyMatch(r -> r.role() == role))) {
                out.add(c.username);
            }
        }
        return out;
    }

    /** Whether the anonymous group holds {@code role}. */
    boolean anonymousHolds(Role role) {
        return anonymousGroup != null && anonymousGroup.roles.stream().anyMatch(r -> r.role() == role);
    }

    /** An immutable view for the ACL and password checks, which run on other threads. */
    Snapshot snapshot() {
        Map<Role, Snapshot.RoleAcls> byRole = new java.util.IdentityHashMap<>();
        for (Role r : roles.values()) {
            byRole.put(r, Snapshot.RoleAcls.of(r));
        }
        Map<String, Snapshot.ClientEntry> entries = new java.util.HashMap<>();
        for (Client c : clients.values()) {
            List<Snapshot.RoleAcls> order = new ArrayList<>();
            c.roles.forEach(r -> order.add(byRole.get(r.role())));
            for (GroupRef g : c.groups) {
                g.group().roles.forEach(r -> order.add(byRole.get(r.role())));
            }
            entries.put(c.username, new Snapshot.ClientEntry(c.clientid, c.disabled, c.password, List.copyOf(order)));
        }
        List<Snapshot.RoleAcls> anonymous = null;
        if (anonymousGroup != null) {
            anonymous = anonymousGroup.roles.stream().map(r -> byRole.get(r.role())).toList();
        }
        return new Snapshot(Map.copyOf(entries), anonymous, defaultPublishClientSend, defaultPublishClientReceive,
                defaultSubscribe, defaultUnsubscribe);
    }
}
