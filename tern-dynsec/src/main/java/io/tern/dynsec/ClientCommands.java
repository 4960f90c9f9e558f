package io.tern.dynsec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The client commands of the control API (plugins/dynamic-security/clients.c in Mosquitto 2.0): same checks in
 * the same order, same error strings, same disconnections ("kicks") of the clients a change affects.
 */
final class ClientCommands {

    private static final String MISSING_USERNAME = "Invalid/missing username";
    private static final String USERNAME_UTF8 = "Username not valid UTF-8";
    private static final String NOT_FOUND = "Client not found";

    private ClientCommands() {
    }

    static void create(Command c) {
        String cmd = "createClient";
        String username = c.name(cmd, "username", MISSING_USERNAME, USERNAME_UTF8);
        if (username == null) {
            return;
        }
        Json.Value<String> password = Json.string(c.json, "password", true);
        if (password.invalid()) {
            c.reply(cmd, "Invalid/missing password");
            return;
        }
        Json.Value<String> clientid = clientId(c, cmd, "Invalid/missing client id");
        if (clientid == null) {
            return;
        }
        Command.Texts texts = c.texts(cmd);
        if (texts == null) {
            return;
        }
        Model m = c.model;
        if (m.clients.containsKey(username)) {
            c.reply(cmd, "Client already exists");
            return;
        }
        Model.Client client = new Model.Client(username);
        client.textname = texts.textname();
        client.textdescription = texts.textdescription();
        if (password.present()) {
            client.password = Model.Password.create(password.value(), c.model.passwordIterations);
        }
        if (clientid.present() && !clientid.value().isEmpty()) {
            client.clientid = clientid.value();
        }
        ControlApi.RoleList roles = ControlApi.RoleList.read(c);
        if (roles != null && roles.error() != null) {
            c.reply(cmd, roles.error());
            return;
        }
        if (roles != null) {
            client.roles.addAll(roles.roles());
        }
        m.clients.put(username, client);
        JsonNode groups = Json.get(c.json, "groups");
        if (groups != null && groups.isArray()) {
            for (JsonNode g : groups) {
                JsonNode name = Json.get(g, "groupname");
                if (name == null || !name.isTextual()) {
                    continue;
                }
                Model.Group group = m.groups.get(name.textValue());
                String error = group == null ? "Group not found"
                        : !Model.addToGroup(client, group, Json.integer(g, "priority", -1)) ? "Internal error" : null;
                if (error != null) {
                    m.deleteClient(client);
                    c.reply(cmd, error);
                    return;
                }
            }
        }
        c.changed();
        c.reply(cmd, null);
        c.log("createClient | username=" + username + " | password=" + (password.present() ? "*****" : "no password"));
    }

    static void delete(Command c) {
        String cmd = "deleteClient";
        String username = c.required(cmd, "username", MISSING_USERNAME);
        if (username == null) {
            return;
        }
        Model.Client client = c.model.clients.get(username);
        if (client == null) {
            c.reply(cmd, NOT_FOUND);
            return;
        }
        c.model.deleteClient(client);
        c.changed();
        c.reply(cmd, null);
        c.kick(username);
        c.log("deleteClient | username=" + username);
    }

    static void enable(Command c, boolean enable) {
        String cmd = enable ? "enableClient" : "disableClient";
        Model.Client client = find(c, cmd);
        if (client == null) {
            return;
        }
        client.disabled = !enable;
        if (!enable) {
            c.kick(client.username);
        }
        c.changed();
        c.reply(cmd, null);
        c.log(cmd + " | username=" + client.username);
    }

    static void setId(Command c) {
        String cmd = "setClientId";
        String username = c.name(cmd, "username", MISSING_USERNAME, USERNAME_UTF8);
        if (username == null) {
            return;
        }
        Json.Value<String> clientid = clientId(c, cmd, "Invalid/missing client ID");
        if (clientid == null) {
            return;
        }
        Model.Client client = c.model.clients.get(username);
        if (client == null) {
            c.reply(cmd, NOT_FOUND);
            return;
        }
        client.clientid = clientid.present() && !clientid.value().isEmpty() ? clientid.value() : null;
        c.changed();
        c.reply(cmd, null);
        c.kick(username);
        c.log("setClientId | username=" + username + " | clientid=" + client.clientid);
    }

    static void setPassword(Command c) {
        String cmd = "setClientPassword";
        String username = c.name(cmd, "username", MISSING_USERNAME, USERNAME_UTF8);
        if (username == null) {
            return;
        }
        String password = c.required(cmd, "password", "Invalid/missing password");
        if (password == null) {
            return;
        }
        if (password.isEmpty()) {
            c.reply(cmd, "Empty password is not allowed");
            return;
        }
        Model.Client client = c.model.clients.get(username);
        if (client == null) {
            c.reply(cmd, NOT_FOUND);
            return;
        }
        client.password = Model.Password.create(password, c.model.passwordIterations);
        c.changed();
        c.reply(cmd, null);
        c.kick(username);
        c.log("setClientPassword | username=" + username + " | password=******");
    }

    static void modify(Command c) {
        String cmd = "modifyClient";
        Model.Client client = find(c, cmd);
        if (client == null) {
            return;
        }
        c.ifString("clientid", v -> client.clientid = v.isEmpty() ? null : v);
        c.ifString("password", v -> {
            if (!v.isEmpty()) {
                client.password = Model.Password.create(v, c.model.passwordIterations);
            }
        });
        c.ifString("textname", v -> client.textname = v);
        c.ifString("textdescription", v -> client.textdescription = v);
        // what was changed so far stays changed, as in the plugin, even if the roles are refused
        c.changed();
        c.kick(client.username);
        ControlApi.RoleList roles = ControlApi.RoleList.read(c);
        if (roles != null && roles.error() != null) {
            c.reply(cmd, roles.error());
            return;
        }
        if (roles != null) {
            client.roles.clear();
            client.roles.addAll(roles.roles());
        }
        JsonNode groups = Json.get(c.json, "groups");
        if (groups != null && groups.isArray()) {
            for (Model.GroupRef g : java.util.List.copyOf(client.groups)) {
                Model.removeFromGroup(client, g.group());
            }
            for (JsonNode g : groups) {
                JsonNode name = Json.get(g, "groupname");
                Model.Group group = name != null && name.isTextual() ? c.model.groups.get(name.textValue()) : null;
                if (group != null) {
                    Model.addToGroup(client, group, Json.integer(g, "priority", -1));
                }
            }
        }
        c.reply(cmd, null);
        c.log("modifyClient | username=" + client.username);
    }

    static void get(Command c) {
        String cmd = "getClient";
        Model.Client client = find(c, cmd);
        if (client == null) {
            return;
        }
        ObjectNode data = Json.object();
        data.set("client", json(client));
        c.replyData(cmd, data);
        c.log("getClient | username=" + client.username);
    }

    static void list(Command c) {
        c.list("listClients", "clients", c.model.clients.values(), ClientCommands::json, client -> client.username);
    }

    static void addRole(Command c) {
        String cmd = "addClientRole";
        ClientRole target = clientAndRole(c, cmd);
        if (target == null) {
            return;
        }
        Model.Client client = target.client();
        Model.Role role = target.role();
        String username = client.username;
        String rolename = role.name;
        int priority = Json.integer(c.json, "priority", -1);
        if (!Model.addRole(client.roles, role, priority)) {
            c.reply(cmd, "Internal error"); // the plugin's answer for a role the client has already
            return;
        }
        c.changed();
        c.reply(cmd, null);
        c.kick(username);
        c.log("addClientRole | username=" + username + " | rolename=" + rolename + " | priority=" + priority);
    }

    static void removeRole(Command c) {
        String cmd = "removeClientRole";
        ClientRole target = clientAndRole(c, cmd);
        if (target == null) {
            return;
        }
        Model.Client client = target.client();
        Model.Role role = target.role();
        String username = client.username;
        String rolename = role.name;
        Model.removeRole(client.roles, role);
        c.changed();
        c.reply(cmd, null);
        c.kick(username);
        c.log("removeClientRole | username=" + username + " | rolename=" + rolename);
    }

    private record ClientRole(Model.Client client, Model.Role role) {
    }

    /** The client and role of addClientRole/removeClientRole, or null after replying why not. */
    private static ClientRole clientAndRole(Command c, String cmd) {
        String username = c.name(cmd, "username", MISSING_USERNAME, USERNAME_UTF8);
        String rolename = username == null ? null
                : c.name(cmd, "rolename", "Invalid/missing rolename", "Role name not valid UTF-8");
        if (rolename == null) {
            return null;
        }
        Model.Client client = c.model.clients.get(username);
        Model.Role role = c.model.roles.get(rolename);
        if (client == null || role == null) {
            c.reply(cmd, client == null ? NOT_FOUND : "Role not found");
            return null;
        }
        return new ClientRole(client, role);
    }

    /** The optional client id of createClient/setClientId (the two spell the error differently); null after replying. */
    private static Json.Value<String> clientId(Command c, String cmd, String invalid) {
        Json.Value<String> clientid = Json.string(c.json, "clientid", true);
        if (clientid.invalid()) {
            c.reply(cmd, invalid);
            return null;
        }
        if (clientid.present() && !Json.validUtf8(clientid.value())) {
            c.reply(cmd, "Client ID not valid UTF-8");
            return null;
        }
        return clientid;
    }

    /** The client named by {@code username} (checked as the plugin checks it), or null after replying why not. */
    private static Model.Client find(Command c, String cmd) {
        String username = c.name(cmd, "username", MISSING_USERNAME, USERNAME_UTF8);
        if (username == null) {
            return null;
        }
        Model.Client client = c.model.clients.get(username);
        if (client == null) {
            c.reply(cmd, NOT_FOUND);
        }
        return client;
    }

    /** A client as getClient and verbose listClients show it. */
    static ObjectNode json(Model.Client client) {
        ObjectNode j = Json.object();
        j.put("username", client.username);
        ModelFile.putIfSet(j, "clientid", client.clientid);
        ModelFile.putIfSet(j, "textname", client.textname);
        ModelFile.putIfSet(j, "textdescription", client.textdescription);
        if (client.disabled) {
            j.put("disabled", true);
        }
        j.set("roles", ModelFile.roleRefs(client.roles));
        ArrayNode groups = j.putArray("groups");
        for (Model.GroupRef g : client.groups) {
            ObjectNode gj = groups.addObject();
            gj.put("groupname", g.group().name);
            if (g.priority() != -1) {
                gj.put("priority", g.priority());
            }
        }
        return j;
    }
}
