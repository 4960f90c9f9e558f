package io.tern.dynsec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tern.broker.Log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.List;

/**
 * Mosquitto 2.0's dynamic-security JSON file, read and written with the plugin's meaning: top-level
 * {@code defaultACLAccess}, {@code clients}, {@code groups}, {@code anonymousGroup} and {@code roles}; passwords as
 * Base64 PBKDF2-SHA512 hash, salt and iteration count. A file Mosquitto (or {@code mosquitto_ctrl dynsec init})
 * wrote loads here, and the file written here loads in Mosquitto.
 *
 * <p>Where the plugin silently skips an entry it cannot read (and so deletes it at the next save), Tern refuses
 * the file with the reason, so nothing is lost; references to roles, groups or clients that do not exist are
 * dropped with a warning, as the plugin drops them.
 *
 * <p>Saving is atomic and durable: the new content goes to {@code FILE.new}, is fsynced and renamed over the file,
 * and the directory is fsynced, so a crash (kill -9, power loss) leaves the old file or the new one.
 */
final class ModelFile {

    private ModelFile() {
    }

    /**
     * Reads the file into a new model.
     *
     * @throws IOException naming the file and what is wrong with it
     */
    static Model load(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file (create one with 'mosquitto_ctrl dynsec init " + file
                    + " admin-user')");
        }
        Model m = new Model();
        if (bytes.length == 0) {
            return m; // as the plugin: an empty file is an empty configuration
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new IOException(file + ": not a JSON object");
        }
        read(file.toString(), tree, m);
        return m;
    }

    /** Reads a parsed file; public to the package for tests. */
    static void read(String source, JsonNode tree, Model m) throws IOException {
        JsonNode access = Json.get(tree, "defaultACLAccess");
        if (access != null && access.isObject()) {
            m.defaultPublishClientSend = Json.bool(access, AclType.PUBLISH_CLIENT_SEND.jsonName, false);
            m.defaultPublishClientReceive = Json.bool(access, AclType.PUBLISH_CLIENT_RECEIVE.jsonName, false);
            m.defaultSubscribe = Json.bool(access, "subscribe", false);
            m.defaultUnsubscribe = Json.bool(access, "unsubscribe", false);
        }
        for (JsonNode j : array(source, tree, "roles")) {
            if (!j.isObject()) {
                continue;
            }
            String name = requiredName(source, j, "roles", "rolename");
            Model.Role r = new Model.Role(name);
            r.textname = text(source, j, "textname");
            r.textdescription = text(source, j, "textdescription");
            JsonNode acls = Json.get(j, "acls");
            if (acls != null && acls.isArray()) {
                readAcls(acls, r);
            }
            if (m.roles.putIfAbsent(name, r) != null) {
                throw new IOException(source + ": role '" + name + "' is defined twice");
            }
        }
        for (JsonNode j : array(source, tree, "clients")) {
            if (!j.isObject()) {
                continue;
            }
            String username = requiredName(source, j, "clients", "username");
            Model.Client c = new Model.Client(username);
            c.disabled = Json.bool(j, "disabled", false);
            c.password = password(source, username, j);
            c.clientid = text(source, j, "clientid");
            c.textname = text(source, j, "textname");
            c.textdescription = text(source, j, "textdescription");
            readRoleRefs(source, "client '" + username + "'", j, m, c.roles);
            if (m.clients.putIfAbsent(username, c) != null) {
                throw new IOException(source + ": client '" + username + "' is defined twice");
            }
        }
        for (JsonNode j : array(source, tree, "groups")) {
            if (!j.isObject()) {
                continue;
            }
            String name = requiredName(source, j, "groups", "groupname");
            Model.Group g = new Model.Group(name);
            g.textname = text(source, j, "textname");
            g.textdescription = text(source, j, "textdescription");
            readRoleRefs(source, "group '" + name + "'", j, m, g.roles);
            if (m.groups.putIfAbsent(name, g) != null) {
                throw new IOException(source + ": group '" + name + "' is defined twice");
            }
            JsonNode members = Json.get(j, "clients");
            if (members != null && members.isArray()) {
                for (JsonNode member : members) {
                    JsonNode u = Json.get(member, "username");
                    if (u == null || !u.isTextual()) {
                        continue;
                    }
                    Model.Client c = m.clients.get(u.textValue());
                    if (c == null) {
                        Log.WARNING.warn("{}: group '{}' lists client '{}', which does not exist; dropped", source,
                                name, u.textValue());
                        continue;
                    }
                    Model.addToGroup(c, g, Json.integer(member, "priority", -1));
                }
            }
        }
        JsonNode anon = Json.get(tree, "anonymousGroup");
        if (anon != null && anon.isTextual()) {
            m.anonymousGroup = m.groups.get(anon.textValue());
            if (m.anonymousGroup == null) {
                Log.WARNING.warn("{}: anonymousGroup '{}' does not exist; anonymous clients have no group", source,
                        anon.textValue());
            }
        }
    }

    private static Iterable<JsonNode> array(String source, JsonNode tree, String name) throws IOException {
        JsonNode a = Json.get(tree, name);
        if (a == null) {
            return List.of();
        }
        if (!a.isArray()) {
            throw new IOException(source + ": '" + name + "' must be an array");
        }
        return a;
    }

    private static String requiredName(String source, JsonNode j, String list, String key) throws IOException {
        JsonNode n = Json.get(j, key);
        if (n == null || !n.isTextual()) {
            throw new IOException(source + ": an entry of '" + list + "' has no " + key + " string: " + j);
        }
        return n.textValue();
    }

    private static String text(String source, JsonNode j, String key) throws IOException {
        JsonNode n = Json.get(j, key);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw new IOException(source + ": '" + key + "' must be a string: " + j);
        }
        return n.textValue();
    }

    private static Model.Password password(String source, String username, JsonNode j) throws IOException {
        JsonNode salt = Json.get(j, "salt");
        JsonNode hash = Json.get(j, "password");
        JsonNode iterations = Json.get(j, "iterations");
        if (salt == null || !salt.isTextual() || hash == null || !hash.isTextual() || iterations == null
                || !iterations.isNumber()) {
            return null; // a client without a password: it cannot log in with one
        }
        String who = source + ": client '" + username + "': ";
        int n = (int) iterations.asDouble();
        if (n < 1) {
            throw new IOException(who + "iterations must be at least 1");
        }
        byte[] s = decode(who, "salt", salt.textValue());
        byte[] h = decode(who, "password", hash.textValue());
        if (s.length != Model.Password.SALT_LENGTH) {
            throw new IOException(who + "salt must be " + Model.Password.SALT_LENGTH + " bytes, is " + s.length);
        }
        if (h.length != Model.Password.HASH_LENGTH) {
            throw new IOException(who + "password hash must be " + Model.Password.HASH_LENGTH + " bytes, is " + h.length);
        }
        return new Model.Password(h, s, n);
    }

    private static byte[] decode(String who, String what, String b64) throws IOException {
        try {
            return Base64.getMimeDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IOException(who + what + " is not Base64: " + e.getMessage());
        }
    }

    /** A role's ACLs, type by type as the plugin reads them, each list in priority order. */
    static void readAcls(JsonNode acls, Model.Role r) {
        for (AclType type : AclType.values()) {
            for (JsonNode a : acls) {
                JsonNode t = Json.get(a, "acltype");
                if (t == null || !t.isTextual() || !t.textValue().equalsIgnoreCase(type.jsonName)) {
                    continue;
                }
                JsonNode topic = Json.get(a, "topic");
                if (topic == null || !topic.isTextual()) {
                    continue;
                }
                r.addAcl(type, new Model.Acl(topic.textValue(), Json.integer(a, "priority", 0),
                        Json.bool(a, "allow", false)));
            }
        }
    }

    private static void readRoleRefs(String source, String owner, JsonNode j, Model m, List<Model.RoleRef> into) {
        JsonNode roles = Json.get(j, "roles");
        if (roles == null || !roles.isArray()) {
            return;
        }
        for (JsonNode ref : roles) {
            JsonNode name = Json.get(ref, "rolename");
            if (name == null || !name.isTextual()) {
                continue;
            }
            Model.Role role = m.roles.get(name.textValue());
            if (role == null) {
                Log.WARNING.warn("{}: {} has role '{}', which does not exist; dropped", source, owner, name.textValue());
                continue;
            }
            Model.addRole(into, role, Json.integer(ref, "priority", -1));
        }
    }

    // ---- writing

    /** The file's JSON for a model, with the plugin's member order. */
    static ObjectNode toJson(Model m) {
        ObjectNode tree = Json.object();
        ObjectNode access = tree.putObject("defaultACLAccess");
        access.put(AclType.PUBLISH_CLIENT_SEND.jsonName, m.defaultPublishClientSend);
        access.put(AclType.PUBLISH_CLIENT_RECEIVE.jsonName, m.defaultPublishClientReceive);
        access.put("subscribe", m.defaultSubscribe);
        access.put("unsubscribe", m.defaultUnsubscribe);
        ArrayNode clients = tree.putArray("clients");
        for (Model.Client c : m.clients.values()) {
            ObjectNode j = clients.addObject();
            j.put("username", c.username);
            putIfSet(j, "clientid", c.clientid);
            putIfSet(j, "textname", c.textname);
            putIfSet(j, "textdescription", c.textdescription);
            if (c.disabled) {
                j.put("disabled", true);
            }
            j.set("roles", roleRefs(c.roles));
            if (c.password != null) {
                j.put("password", Base64.getEncoder().encodeToString(c.password.hash()));
                j.put("salt", Base64.getEncoder().encodeToString(c.password.salt()));
                j.put("iterations", c.password.iterations());
            }
        }
        ArrayNode groups = tree.putArray("groups");
        for (Model.Group g : m.groups.values()) {
            ObjectNode j = groups.addObject();
            j.put("groupname", g.name);
            putIfSet(j, "textname", g.textname);
            putIfSet(j, "textdescription", g.textdescription);
            j.set("roles", roleRefs(g.roles));
            ArrayNode members = j.putArray("clients");
            g.clients.forEach((username, priority) -> {
                ObjectNode member = members.addObject();
                member.put("username", username);
                if (priority != -1) {
                    member.put("priority", priority);
                }
            });
        }
        if (m.anonymousGroup != null) {
            tree.put("anonymousGroup", m.anonymousGroup.name);
        }
        ArrayNode roles = tree.putArray("roles");
        for (Model.Role r : m.roles.values()) {
            roles.add(roleJson(r));
        }
        return tree;
    }

    /** A role as the file and getRole/listRoles show it. */
    static ObjectNode roleJson(Model.Role r) {
        ObjectNode j = Json.object();
        j.put("rolename", r.name);
        putIfSet(j, "textname", r.textname);
        putIfSet(j, "textdescription", r.textdescription);
        ArrayNode acls = j.putArray("acls");
        for (AclType type : AclType.values()) {
            for (Model.Acl a : r.acls.get(type)) {
                ObjectNode acl = acls.addObject();
                acl.put("acltype", type.jsonName);
                acl.put("topic", a.topic());
                acl.put("priority", a.priority());
                acl.put("allow", a.allow());
            }
        }
        return j;
    }

    /** Roles with their priority (left out when -1, "none given"), as the plugin lists them. */
    static ArrayNode roleRefs(List<Model.RoleRef> refs) {
        ArrayNode a = Json.array();
        for (Model.RoleRef r : refs) {
            ObjectNode j = a.addObject();
            j.put("rolename", r.role().name);
            if (r.priority() != -1) {
                j.put("priority", r.priority());
            }
        }
        return a;
    }

    static void putIfSet(ObjectNode j, String key, String value) {
        if (value != null) {
            j.put(key, value);
        }
    }

    /**
     * Writes the model over {@code file} atomically: {@code FILE.new}, fsync, rename, fsync of the directory.
     *
     * @throws IOException when the file cannot be written; the old file is then intact
     */
    static void save(Model m, Path file) throws IOException {
        byte[] bytes = CJsonPrinter.print(toJson(m)).getBytes(StandardCharsets.UTF_8);
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".new");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(abs.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a directory; the rename itself is still atomic
        }
    }
}
