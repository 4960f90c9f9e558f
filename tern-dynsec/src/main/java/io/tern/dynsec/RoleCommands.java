package io.tern.dynsec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The role commands of the control API (plugins/dynamic-security/roles.c in Mosquitto 2.0). */
final class RoleCommands {

    private static final String MISSING_ROLENAME = "Invalid/missing rolename";
    private static final String ROLENAME_UTF8 = "Role name not valid UTF-8";
    private static final String NOT_FOUND = "Role not found";

    private RoleCommands() {
    }

    static void create(Command c) {
        String cmd = "createRole";
        String rolename = c.name(cmd, "rolename", MISSING_ROLENAME, ROLENAME_UTF8);
        if (rolename == null) {
            return;
        }
        Command.Texts texts = c.texts(cmd);
        if (texts == null) {
            return;
        }
        if (c.model.roles.containsKey(rolename)) {
            c.reply(cmd, "Role already exists");
            return;
        }
        Model.Role role = new Model.Role(rolename);
        role.textname = texts.textname();
        role.textdescription = texts.textdescription();
        JsonNode acls = Json.get(c.json, "acls");
        if (acls != null && acls.isArray()) {
            ModelFile.readAcls(acls, role);
        }
        c.model.roles.put(rolename, role);
        c.changed();
        c.reply(cmd, null);
        c.log("createRole | rolename=" + rolename);
    }

    static void delete(Command c) {
        String cmd = "deleteRole";
        Model.Role role = c.role(cmd);
        if (role == null) {
            return;
        }
        kickAll(c, role);
        c.model.deleteRole(role);
        c.changed();
        c.reply(cmd, null);
        c.log("deleteRole | rolename=" + role.name);
    }

    static void get(Command c) {
        String cmd = "getRole";
        Model.Role role = c.role(cmd);
        if (role == null) {
            return;
        }
        ObjectNode data = Json.object();
        data.set("role", ModelFile.roleJson(role));
        c.replyData(cmd, data);
    }

    static void list(Command c) {
        c.list("listRoles", "roles", c.model.roles.values(), ModelFile::roleJson, r -> r.name);
    }

    static void modify(Command c) {
        String cmd = "modifyRole";
        Model.Role role = find(c, cmd, "Role does not exist");
        if (role == null) {
            return;
        }
        c.ifString("textname", v -> role.textname = v);
        c.ifString("textdescription", v -> role.textdescription = v);
        JsonNode acls = Json.get(c.json, "acls");
        if (acls != null && acls.isArray()) {
            Model.Role fresh = new Model.Role(role.name);
            ModelFile.readAcls(acls, fresh);
            role.acls.clear();
            role.acls.putAll(fresh.acls);
        }
        c.changed();
        c.reply(cmd, null);
        c.log("modifyRole | rolename=" + role.name);
    }

    static void addAcl(Command c) {
        String cmd = "addRoleACL";
        Model.Role role = c.role(cmd);
        if (role == null) {
            return;
        }
        AclType type = aclType(c, cmd);
        if (type == null) {
            return;
        }
        JsonNode topicNode = Json.get(c.json, "topic");
        if (topicNode == null || !topicNode.isTextual()) {
            c.reply(cmd, "Invalid/missing topic");
            return;
        }
        String topic = topicNode.textValue();
        if (!validTopic(c, cmd, topic)) {
            return;
        }
        if (role.find(type, topic) != null) {
            c.reply(cmd, "ACL with this topic already exists");
            return;
        }
        int priority = Json.integer(c.json, "priority", 0);
        boolean allow = Json.bool(c.json, "allow", false);
        role.addAcl(type, new Model.Acl(topic, priority, allow));
        c.changed();
        c.reply(cmd, null);
        kickAll(c, role);
        c.log("addRoleACL | rolename=" + role.name + " | acltype=" + Json.get(c.json, "acltype").textValue()
                + " | topic=" + topic + " | priority=" + priority + " | allow=" + allow);
    }

    static void removeAcl(Command c) {
        String cmd = "removeRoleACL";
        Model.Role role = c.role(cmd);
        if (role == null) {
            return;
        }
        AclType type = aclType(c, cmd);
        if (type == null) {
            return;
        }
        String topic = c.required(cmd, "topic", "Invalid/missing topic");
        if (topic == null || !validTopic(c, cmd, topic)) {
            return;
        }
        Model.Acl acl = role.find(type, topic);
        if (acl == null) {
            c.reply(cmd, "ACL not found");
            return;
        }
        role.acls.get(type).remove(acl);
        c.changed();
        c.reply(cmd, null);
        kickAll(c, role);
        c.log("removeRoleACL | rolename=" + role.name + " | acltype=" + Json.get(c.json, "acltype").textValue()
                + " | topic=" + topic);
    }

    private static boolean validTopic(Command c, String cmd, String topic) {
        if (!Json.validUtf8(topic)) {
            c.reply(cmd, "Topic not valid UTF-8");
            return false;
        }
        if (!Topics.validFilter(topic)) {
            c.reply(cmd, "Invalid ACL topic");
            return false;
        }
        return true;
    }

    private static AclType aclType(Command c, String cmd) {
        JsonNode t = Json.get(c.json, "acltype");
        if (t == null || !t.isTextual()) {
            c.reply(cmd, "Invalid/missing acltype");
            return null;
        }
        AclType type = AclType.named(t.textValue());
        if (type == null) {
            c.reply(cmd, "Unknown acltype");
        }
        return type;
    }

    private static Model.Role find(Command c, String cmd, String notFound) {
        String rolename = c.name(cmd, "rolename", MISSING_ROLENAME, ROLENAME_UTF8);
        if (rolename == null) {
            return null;
        }
        Model.Role role = c.model.roles.get(rolename);
        if (role == null) {
            c.reply(cmd, notFound);
        }
        return role;
    }

    /** Disconnects every client that holds the role, directly or through a group (the anonymous ones too). */
    private static void kickAll(Command c, Model.Role role) {
        c.model.holders(role).forEach(c::kick);
        if (c.model.anonymousHolds(role)) {
            c.kickAnonymous();
        }
    }
}
