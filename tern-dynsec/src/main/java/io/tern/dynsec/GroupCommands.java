package io.tern.dynsec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The group commands of the control API (plugins/dynamic-security/groups.c in Mosquitto 2.0). */
final class GroupCommands {

    private static final String MISSING_GROUPNAME = "Invalid/missing groupname";
    private static final String GROUPNAME_UTF8 = "Group name not valid UTF-8";
    private static final String NOT_FOUND = "Group not found";

    private GroupCommands() {
    }

    static void create(Command c) {
        String cmd = "createGroup";
        String groupname = c.name(cmd, "groupname", MISSING_GROUPNAME, GROUPNAME_UTF8);
        if (groupname == null) {
            return;
        }
        Json.Value<String> textname = Json.string(c.json, "textname", true);
        if (textname.invalid()) {
            c.reply(cmd, "Invalid/missing textname");
            return;
        }
        Json.Value<String> textdescription = Json.string(c.json, "textdescription", true);
        if (textdescription.invalid()) {
            c.reply(cmd, "Invalid/missing textdescription");
            return;
        }
        if (c.model.groups.containsKey(groupname)) {
            c.reply(cmd, "Group already exists");
            return;
        }
        Model.Group group = new Model.Group(groupname);
        group.textname = textname.value();
        group.textdescription = textdescription.value();
        ControlApi.RoleList roles = ControlApi.RoleList.read(c);
        if (roles != null && roles.error() != null) {
            c.reply(cmd, roles.error().equals(ControlApi.RoleList.NOT_FOUND) ? roles.error() : "Internal error");
            return;
        }
        if (roles != null) {
            group.roles.addAll(roles.roles());
        }
        c.model.groups.put(groupname, group);
        c.log("createGroup | groupname=" + groupname);
        c.changed();
        c.reply(cmd, null);
    }

    static void delete(Command c) {
        String cmd = "deleteGroup";
        Model.Group group = find(c, cmd);
        if (group == null) {
            return;
        }
        kickAll(c, group);
        c.model.deleteGroup(group);
        c.changed();
        c.reply(cmd, null);
        c.log("deleteGroup | groupname=" + group.name);
    }

    static void addClient(Command c) {
        String cmd = "addGroupClient";
        String username = c.name(cmd, "username", "Invalid/missing username", "Username not valid UTF-8");
        if (username == null) {
            return;
        }
        String groupname = c.name(cmd, "groupname", MISSING_GROUPNAME, GROUPNAME_UTF8);
        if (groupname == null) {
            return;
        }
        int priority = Json.integer(c.json, "priority", -1);
        Model.Client client = c.model.clients.get(username);
        Model.Group group = c.model.groups.get(groupname);
        if (client == null) {
            c.reply(cmd, "Client not found");
        } else if (group == null) {
            c.reply(cmd, NOT_FOUND);
        } else if (!Model.addToGroup(client, group, priority)) {
            c.reply(cmd, "Client is already in this group");
        } else {
            c.changed();
            c.log("addGroupClient | groupname=" + groupname + " | username=" + username + " | priority=" + priority);
            c.reply(cmd, null);
        }
        c.kick(username);
    }

    static void removeClient(Command c) {
        String cmd = "removeGroupClient";
        String username = c.name(cmd, "username", "Invalid/missing username", "Username not valid UTF-8");
        if (username == null) {
            return;
        }
        String groupname = c.name(cmd, "groupname", MISSING_GROUPNAME, GROUPNAME_UTF8);
        if (groupname == null) {
            return;
        }
        Model.Client client = c.model.clients.get(username);
        Model.Group group = c.model.groups.get(groupname);
        if (client == null) {
            c.reply(cmd, "Client not found");
        } else if (group == null) {
            c.reply(cmd, NOT_FOUND);
        } else {
            Model.removeFromGroup(client, group);
            c.changed();
            c.log("removeGroupClient | groupname=" + groupname + " | username=" + username);
            c.reply(cmd, null);
        }
        c.kick(username);
    }

    static void addRole(Command c) {
        String cmd = "addGroupRole";
        Model.Group group = null;
        String groupname = c.name(cmd, "groupname", MISSING_GROUPNAME, GROUPNAME_UTF8);
        if (groupname == null) {
            return;
        }
        String rolename = c.name(cmd, "rolename", "Invalid/missing rolename", "Role name not valid UTF-8");
        if (rolename == null) {
            return;
        }
        int priority = Json.integer(c.json, "priority", -1);
        group = c.model.groups.get(groupname);
        if (group == null) {
            c.reply(cmd, NOT_FOUND);
            return;
        }
        Model.Role role = c.model.roles.get(rolename);
        if (role == null) {
            c.reply(cmd, "Role not found");
            return;
        }
        if (!Model.addRole(group.roles, role, priority)) {
            c.reply(cmd, "Group is already in this role");
            return;
        }
        c.log("addGroupRole | groupname=" + groupname + " | rolename=" + rolename + " | priority=" + priority);
        c.changed();
        c.reply(cmd, null);
        kickAll(c, group);
    }

    static void removeRole(Command c) {
        String cmd = "removeGroupRole";
        String groupname = c.name(cmd, "groupname", MISSING_GROUPNAME, GROUPNAME_UTF8);
        if (groupname == null) {
            return;
        }
        String rolename = c.name(cmd, "rolename", "Invalid/missing rolename", "Role name not valid UTF-8");
        if (rolename == null) {
            return;
        }
        Model.Group group = c.model.groups.get(groupname);
        if (group == null) {
            c.reply(cmd, NOT_FOUND);
            return;
        }
        Model.Role role = c.model.roles.get(rolename);
        if (role == null) {
            c.reply(cmd, "Role not found");
            return;
        }
        Model.removeRole(group.roles, role);
        c.changed();
        c.reply(cmd, null);
        c.log("removeGroupRole | groupname=" + groupname + " | rolename=" + rolename);
        kickAll(c, group);
    }

    static void get(Command c) {
        String cmd = "getGroup";
        Model.Group group = find(c, cmd);
        if (group == null) {
            return;
        }
        ObjectNode data = Json.object();
        data.set("group", json(group));
        c.replyData(cmd, data);
        c.log("getGroup | groupname=" + group.name);
    }

    static void list(Command c) {
        boolean verbose = Json.bool(c.json, "verbose", false);
        ObjectNode data = Json.object();
        data.put("totalCount", c.model.groups.size());
        ArrayNode groups = data.putArray("groups");
        for (Model.Group g : ControlApi.page(c.model.groups.values(), c)) {
            if (verbose) {
                groups.add(json(g));
            } else {
                groups.add(g.name);
            }
        }
        c.replyData("listGroups", data);
        c.log("listGroups | verbose=" + verbose + " | count=" + Json.integer(c.json, "count", -1) + " | offset="
                + Json.integer(c.json, "offset", 0));
    }

    static void modify(Command c) {
        String cmd = "modifyGroup";
        Model.Group group = find(c, cmd);
        if (group == null) {
            return;
        }
        Json.Value<String> textname = Json.string(c.json, "textname", false);
        if (!textname.invalid()) {
            group.textname = textname.value();
        }
        Json.Value<String> textdescription = Json.string(c.json, "textdescription", false);
        if (!textdescription.invalid()) {
            group.textdescription = textdescription.value();
        }
        c.changed();
        kickAll(c, group);
        ControlApi.RoleList roles = ControlApi.RoleList.read(c);
        if (roles != null && roles.error() != null) {
            c.reply(cmd, roles.error());
            return;
        }
        if (roles != null) {
            group.roles.clear();
            group.roles.addAll(roles.roles());
        }
        JsonNode clients = Json.get(c.json, "clients");
        if (clients != null && clients.isArray()) {
            for (String username : java.util.List.copyOf(group.clients.keySet())) {
                Model.removeFromGroup(c.model.clients.get(username), group);
            }
            for (JsonNode member : clients) {
                JsonNode u = Json.get(member, "username");
                Model.Client client = u != null && u.isTextual() ? c.model.clients.get(u.textValue()) : null;
                if (client != null) {
                    Model.addToGroup(client, group, Json.integer(member, "priority", -1));
                }
            }
        }
        c.reply(cmd, null);
        kickAll(c, group);
        c.log("modifyGroup | groupname=" + group.name);
    }

    static void setAnonymous(Command c) {
        String cmd = "setAnonymousGroup";
        Model.Group group = find(c, cmd);
        if (group == null) {
            return;
        }
        c.model.anonymousGroup = group;
        c.changed();
        c.reply(cmd, null);
        c.kickAnonymous();
        c.log("setAnonymousGroup | groupname=" + group.name);
    }

    static void getAnonymous(Command c) {
        ObjectNode data = Json.object();
        data.putObject("group").put("groupname", c.model.anonymousGroup == null ? "" : c.model.anonymousGroup.name);
        c.replyData("getAnonymousGroup", data);
        c.log("getAnonymousGroup");
    }

    private static Model.Group find(Command c, String cmd) {
        String groupname = c.name(cmd, "groupname", MISSING_GROUPNAME, GROUPNAME_UTF8);
        if (groupname == null) {
            return null;
        }
        Model.Group group = c.model.groups.get(groupname);
        if (group == null) {
            c.reply(cmd, NOT_FOUND);
        }
        return group;
    }

    /** Disconnects the group's members, and the anonymous clients when it is the anonymous group. */
    static void kickAll(Command c, Model.Group group) {
        if (group == c.model.anonymousGroup) {
            c.kickAnonymous();
        }
        group.clients.keySet().forEach(c::kick);
    }

    /** A group as getGroup and verbose listGroups show it. */
    static ObjectNode json(Model.Group g) {
        ObjectNode j = Json.object();
        j.put("groupname", g.name);
        ModelFile.putIfSet(j, "textname", g.textname);
        ModelFile.putIfSet(j, "textdescription", g.textdescription);
        ArrayNode clients = j.putArray("clients");
        g.clients.keySet().forEach(u -> clients.addObject().put("username", u));
        j.set("roles", ModelFile.roleRefs(g.roles));
        return j;
    }
}
