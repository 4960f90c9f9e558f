package io.tern.dynsec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tern.broker.Log;

import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * One command of a {@code $CONTROL/dynamic-security/v1} request being executed: its JSON, who sent it, where its
 * answer goes, and what it changed (save the file, disconnect which usernames).
 */
final class Command {
    final JsonNode json;
    final String correlationData;
    final Model model;
    private final ArrayNode responses;
    private final String adminClientId;
    private final String adminUsername;
    boolean changed;
    /** Usernames to disconnect; an empty Optional stands for every client without a username. */
    final Set<Optional<String>> kicks = new LinkedHashSet<>();

    Command(JsonNode json, String correlationData, Model model, ArrayNode responses, String adminClientId,
            String adminUsername) {
        this.json = json;
        this.correlationData = correlationData;
        this.model = model;
        this.responses = responses;
        this.adminClientId = adminClientId;
        this.adminUsername = adminUsername;
    }

    /** The plugin's dynsec__command_reply: the command's name, its error if any, the correlation data. */
    void reply(String command, String error) {
        ObjectNode r = responses.addObject();
        r.put("command", command);
        if (error != null) {
            r.put("error", error);
        }
        if (correlationData != null) {
            r.put("correlationData", correlationData);
        }
    }

    /** A successful answer with data. */
    void replyData(String command, ObjectNode data) {
        ObjectNode r = responses.addObject();
        r.put("command", command);
        r.set("data", data);
        if (correlationData != null) {
            r.put("correlationData", correlationData);
        }
    }

    /** Records a change: the file is saved when the command ends. */
    void changed() {
        changed = true;
    }

    void kick(String username) {
        kicks.add(Optional.ofNullable(username));
    }

    void kickAnonymous() {
        kicks.add(Optional.empty());
    }

    /** Mosquitto's information line for an administrative action: {@code dynsec: CLIENTID/USERNAME | ...}. */
    void log(String what) {
        Log.INFO.info("dynsec: {}/{} | {}", adminClientId, adminUsername, what);
    }

    /** A required string member; null after replying the error when it is missing or not a string. */
    String required(String command, String key, String missing) {
        Json.Value<String> v = Json.string(json, key, false);
        if (v.invalid()) {
            reply(command, missing);
            return null;
        }
        return v.value();
    }

    /** The optional {@code textname} and {@code textdescription} of a create command. */
    record Texts(String textname, String textdescription) {
    }

    /** Reads textname and textdescription for a create command; null after replying the error. */
    Texts texts(String command) {
        Json.Value<String> name = Json.string(json, "textname", true);
        if (name.invalid()) {
            reply(command, "Invalid/missing textname");
            return null;
        }
        Json.Value<String> description = Json.string(json, "textdescription", true);
        if (description.invalid()) {
            reply(command, "Invalid/missing textdescription");
            return null;
        }
        return new Texts(name.value(), description.value());
    }

    /** Calls {@code set} with a member's value when it is present and a string (a modify command's fields). */
    void ifString(String key, java.util.function.Consumer<String> set) {
        Json.Value<String> v = Json.string(json, key, false);
        if (!v.invalid()) {
            set.accept(v.value());
        }
    }

    /** listClients, listGroups, listRoles: totalCount and a page of names, or of objects when verbose. */
    <T> void list(String command, String key, java.util.Collection<T> all,
                  java.util.function.Function<T, com.fasterxml.jackson.databind.JsonNode> verbose,
                  java.util.function.Function<T, String> name) {
        boolean v = Json.bool(json, "verbose", false);
        ObjectNode data = Json.object();
        data.put("totalCount", all.size());
        ArrayNode items = data.putArray(key);
        for (T t : ControlApi.page(all, this)) {
            if (v) {
                items.add(verbose.apply(t));
            } else {
                items.add(name.apply(t));
            }
        }
        replyData(command, data);
        log(command + " | verbose=" + v + " | count=" + Json.integer(json, "count", -1) + " | offset="
                + Json.integer(json, "offset", 0));
    }

    /** The role named by {@code rolename} (checked as the plugin does), or null after replying why not. */
    Model.Role role(String command) {
        String rolename = name(command, "rolename", "Invalid/missing rolename", "Role name not valid UTF-8");
        if (rolename == null) {
            return null;
        }
        Model.Role role = model.roles.get(rolename);
        if (role == null) {
            reply(command, "Role not found");
        }
        return role;
    }

    /** A required name that must also be valid UTF-8; null after replying the error. */
    String name(String command, String key, String missing, String notUtf8) {
        String v = required(command, key, missing);
        if (v != null && !Json.validUtf8(v)) {
            reply(command, notUtf8);
            return null;
        }
        return v;
    }
}
