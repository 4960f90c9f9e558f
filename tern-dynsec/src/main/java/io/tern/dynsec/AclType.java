package io.tern.dynsec;

/** The six ACL lists of a role, named as in the JSON file and the control API. */
enum AclType {
    PUBLISH_CLIENT_SEND("publishClientSend"),
    PUBLISH_CLIENT_RECEIVE("publishClientReceive"),
    SUBSCRIBE_LITERAL("subscribeLiteral"),
    SUBSCRIBE_PATTERN("subscribePattern"),
    UNSUBSCRIBE_LITERAL("unsubscribeLiteral"),
    UNSUBSCRIBE_PATTERN("unsubscribePattern");

    final String jsonName;

    AclType(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The type named {@code name}, compared case-insensitively as Mosquitto does, or null. */
    static AclType named(String name) {
        for (AclType t : values()) {
            if (t.jsonName.equalsIgnoreCase(name)) {
                return t;
            }
        }
        return null;
    }
}
