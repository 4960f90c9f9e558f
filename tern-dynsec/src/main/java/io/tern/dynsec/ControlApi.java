package io.tern.dynsec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * The control API of Mosquitto 2.0's dynamic-security plugin: a JSON request {@code {"commands":[...]}} in, a
 * JSON answer {@code {"responses":[...]}} out, with the plugin's commands, member names, error strings and
 * orders. One implementation for every front door: the MQTT topic {@code $CONTROL/dynamic-security/v1} and any
 * other (a REST API) call {@link DynamicSecurity#execute}, which runs this on its command thread.
 */
final class ControlApi {

    private ControlApi() {
    }

    /** What executing a request did, for the caller to act on after each command. */
    interface Effects {
        /** A command changed the model: save it and publish a snapshot. */
        void changed() throws IOException;

        /** Disconnect these usernames (an empty Optional: every client without a username). */
        void kick(java.util.Set<java.util.Optional<String>> usernames);
    }

    /**
     * Runs the commands of {@code payload} in order against {@code model}.
     *
     * @return the JSON answer, to be published unformatted on {@code $CONTROL/dynamic-security/v1/response}
     */
    static ObjectNode execute(byte[] payload, Model model, String adminClientId, String adminUsername,
                              Effects effects) {
        ObjectNode tree = Json.object();
        ArrayNode responses = tree.putArray("responses");
        JsonNode request;
        try {
            request = Json.MAPPER.readTree(payload);
        } catch (IOException e) {
            request = null;
        }
        if (request == null || request.isMissingNode()) {
            new Command(null, null, model, responses, adminClientId, adminUsername)
                    .reply("Unknown command", "Payload not valid JSON");
            return tree;
        }
        JsonNode commands = Json.get(request, "commands");
        if (commands == null || !commands.isArray()) {
            new Command(null, null, model, responses, adminClientId, adminUsername)
                    .reply("Unknown command", "Invalid/missing commands");
            return tree;
        }
        // as in the plugin, an item without a command is answered with the previous item's correlation data
        String previousCorrelation = null;
        for (JsonNode item : commands) {
            if (!item.isObject()) {
                new Command(item, previousCorrelation, model, responses, adminClientId, adminUsername)
                        .reply("Unknown command", "Command not an object");
                continue;
            }
            Json.Value<String> name = Json.string(item, "command", false);
            if (name.invalid()) {
                new Command(item, previousCorrelation, model, responses, adminClientId, adminUsername)
                        .reply("Unknown command", "Missing command");
                continue;
            }
            Json.Value<String> corr = Json.string(item, "correlationData", true);
            previousCorrelation = corr.value();
            if (corr.invalid()) {
                // the plugin stops at this one
                new Command(item, null, model, responses, adminClientId, adminUsername)
                        .reply(name.value(), "Invalid correlationData data type.");
                break;
            }
            Command c = new Command(item, corr.value(), model, responses, adminClientId, adminUsername);
            Consumer<Command> handler = handler(name.value());
            if (handler == null) {
                c.reply(name.value(), "Unknown command");
                continue;
            }
            handler.accept(c);
            try {
                if (c.changed) {
                    effects.changed();
                }
            } catch (IOException e) {
                io.tern.broker.Log.ERROR.error("Error saving Dynamic security plugin config: {}", e.getMessage());
            }
            if (!c.kicks.isEmpty()) {
                effects.kick(c.kicks);
            }
        }
        return tree;
    }

    /** The handler of a command name, compared case-insensitively as the plugin does; null when unknown. */
    private static Consumer<Command> handler(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "setdefaultaclaccess" -> ControlApi::setDefaultAclAccess;
            case "getdefaultaclaccess" -> ControlApi::getDefaultAclAccess;
            case "createclient" -> ClientCommands::create;
            case "deleteclient" -> ClientCommands::delete;
            case "getclient" -> ClientCommands::get;
            case "listclients" -> ClientCommands::list;
            case "modifyclient" -> ClientCommands::modify;
            case "setclientpassword" -> ClientCommands::setPassword;
            case "setclientid" -> ClientCommands::setId;
            case "addclientrole" -> ClientCommands::addRole;
            case "removeclientrole" -> ClientCommands::removeRole;
            case "enableclient" -> c -> ClientCommands.enable(c, true);
            case "disableclient" -> c -> ClientCommands.enable(c, false);
            case "addgroupclient" -> GroupCommands::addClient;
            case "creategroup" -> GroupCommands::create;
            case "deletegroup" -> GroupCommands::delete;
            case "getgroup" -> GroupCommands::get;
            case "listgroups" -> GroupCommands::list;
            case "modifygroup" -> GroupCommands::modify;
            case "removegroupclient" -> GroupCommands::removeClient;
            case "addgrouprole" -> GroupCommands::addRole;
            case "removegrouprole" -> GroupCommands::removeRole;
            case "setanonymousgroup" -> GroupCommands::setAnonymous;
            case "getanonymousgroup" -> GroupCommands::getAnonymous;
            case "createrole" -> RoleCommands::create;
            case "getrole" -> RoleCommands::get;
            case "listroles" -> RoleCommands::list;
            case "modifyrole" -> RoleCommands::modify;
            case "deleterole" -> RoleCommands::delete;
            case "addroleacl" -> RoleCommands::addAcl;
            case "removeroleacl" -> RoleCommands::removeAcl;
            default -> null;
        };
    }

    private static void setDefaultAclAccess(Command c) {
        JsonNode acls = Json.get(c.json, "acls");
        if (acls == null || !acls.isArray()) {
            c.reply("setDefaultACLAccess", "Missing/invalid actions array");
            return;
        }
        Model m = c.model;
        for (JsonNode a : acls) {
            JsonNode type = Json.get(a, "acltype");
            JsonNode allow = Json.get(a, "allow");
            if (type == null || !type.isTextual() || allow == null || !allow.isBoolean()) {
                continue;
            }
            boolean v = allow.booleanValue();
            String t = type.textValue();
            if (t.equalsIgnoreCase(AclType.PUBLISH_CLIENT_SEND.jsonName)) {
                m.defaultPublishClientSend = v;
            } else if (t.equalsIgnoreCase(AclType.PUBLISH_CLIENT_RECEIVE.jsonName)) {
                m.defaultPublishClientReceive = v;
            } else if (t.equalsIgnoreCase("subscribe")) {
                m.defaultSubscribe = v;
            } else if (t.equalsIgnoreCase("unsubscribe")) {
                m.defaultUnsubscribe = v;
            }
            c.log("setDefaultACLAccess | acltype=" + t + " | allow=" + v);
        }
        c.changed();
        c.reply("setDefaultACLAccess", null);
    }

    private static void getDefaultAclAccess(Command c) {
        c.log("getDefaultACLAccess");
        Model m = c.model;
        ObjectNode data = Json.object();
        ArrayNode acls = data.putArray("acls");
        acls.addObject().put("acltype", AclType.PUBLISH_CLIENT_SEND.jsonName).put("allow", m.defaultPublishClientSend);
        acls.addObject().put("acltype", AclType.PUBLISH_CLIENT_RECEIVE.jsonName).put("allow", m.defaultPublishClientReceive);
        acls.addObject().put("acltype", "subscribe").put("allow", m.defaultSubscribe);
        acls.addObject().put("acltype", "unsubscribe").put("allow", m.defaultUnsubscribe);
        c.replyData("getDefaultACLAccess", data);
    }

    /**
     * The plugin's dynsec_rolelist__load_from_json: the {@code roles} member as role references. Returns null
     * when absent, and replies nothing; {@link RoleList#error} is set when it is not usable.
     */
    record RoleList(java.util.List<Model.RoleRef> roles, String error) {
        static final String NOT_FOUND = "Role not found";
        static final String INVALID = "'roles' not an array or missing/invalid rolename";

        static RoleList read(Command c) {
            JsonNode roles = Json.get(c.json, "roles");
            if (roles == null) {
                return null;
            }
            if (!roles.isArray()) {
                return new RoleList(null, INVALID);
            }
            java.util.List<Model.RoleRef> out = new java.util.ArrayList<>();
            for (JsonNode r : roles) {
                JsonNode name = Json.get(r, "rolename");
                if (name == null || !name.isTextual()) {
                    return new RoleList(null, INVALID);
                }
                Model.Role role = c.model.roles.get(name.textValue());
                if (role == null) {
                    return new RoleList(null, NOT_FOUND);
                }
                Model.addRole(out, role, Json.integer(r, "priority", -1));
            }
            return new RoleList(out, null);
        }
    }

    /** Mosquitto's list paging: from {@code offset}, at most {@code count} (all when negative). */
    static <T> java.util.List<T> page(java.util.Collection<T> all, Command c) {
        int count = Json.integer(c.json, "count", -1);
        int offset = Json.integer(c.json, "offset", 0);
        java.util.List<T> out = new java.util.ArrayList<>();
        int i = 0;
        for (T t : all) {
            if (i >= offset) {
                out.add(t);
                if (count >= 0) {
                    count--;
                    if (count <= 0) {
                        break;
                    }
                }
            }
            i++;
        }
        return out;
    }
}
