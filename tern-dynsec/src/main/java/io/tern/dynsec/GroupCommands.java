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
        Command.Texts texts = c.texts(cmd);
        if (texts == null) {
            return;
        }
        if (c.model.groups.containsKey(groupname)) {
            c.reply(cmd, "Group already exists");
            return;
        }
        Model.Group group = new Model.Group(groupname);
        group.textname = texts.textname();
        group.textdescription = texts.textdescription();
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

    /** The username and group name of addGroupClient/removeGroupClient; null after replying the error. */
    private record Member(String username, String groupname, Model.Client client, Model.Group group) {
    }

    /** The named client and group of addGroupClient/removeGroupClient (either may not exist); null after replying. */
    private static Member member(Command c, String cmd) {
        String username = c.name(cmd, "username", "Invalid/missing username", "Username not valid UTF-8");
        String groupname = username == null ? null : c.name(cmd, "groupname", MISSING_GROUPNAME, GROUPNAME_UTF8);
        return groupname == null ? null
                : new Member(username, groupname, c.model.clients.get(username), c.model.groups.get(groupname));
    }

    static void addClient(Command c) {
        String cmd = "addGroupClient";
        Member m = member(c, cmd);
        if (m == null) {
            return;
        }
        String username = m.username();
        String groupname = m.groupname();
        Model.Client client = m.client();
        Model.Group group = m.group();
        int priority = Json.integer(c.json, "priority", -1);
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
        Member m = member(c, cmd);
        if (m == null) {
            return;
        }
        String username = m.username();
        String groupname = m.groupname();
        Model.Client client = m.client();
        Model.Group group = m.group();
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
        GroupRole target = groupAndRole(c, cmd);
        if (target == null) {
            return;
        }
        Model.Group group = target.group();
        Model.Role role = target.role();
        String groupname = group.name;
        String rolename = role.name;
        int priority = Json.integer(c.json, "priority", -1);
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
        GroupRole target = groupAndRole(c, cmd);
        if (target == null) {
            return;
        }
        Model.Group group = target.group();
        Model.Role role = target.role();
        String groupname = group.name;
        String rolename = role.name;
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
        c.list("listGroups", "groups", c.model.groups.values(), GroupCommands::json, g -> g.name);
    }

    static void modify(Command c) {
        String cmd = "modifyGroup";
        Model.Group group = find(c, cmd);
        if (group == null) {
            return;
        }
        c.ifString("textname", v -> group.textname = v);
        c.ifString("textdescription", v -> group.textdescription = v);
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

    /**
     * The group and role of addGroupRole/removeGroupRole, checked in the plugin's order (both names, then the
     * group, then the role); null after replying the error.
     */
    private record GroupRole(Model.Group group, Model.Role role) {
    }

    private static GroupRole groupAndRole(Command c, String cmd) {
        String groupname = c.name(cmd, "groupname", MISSING_GROUPNAME, GROUPNAME_UTF8);
        String rolename = groupname == null ? null
                : c.name(cmd, "rolename", "Invalid/missing rolename", "Role name not valid UTF-8");
        if (rolename == null) {
            return null;
        }
        Model.Group group = c.model.groups.get(groupname);
        Model.Role role = c.model.roles.get(rolename);
        if (group == null || role == null) {
            c.reply(cmd, group == null ? NOT_FOUND : "Role not found");
            return null;
        }
        return new GroupRole(group, role);
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
