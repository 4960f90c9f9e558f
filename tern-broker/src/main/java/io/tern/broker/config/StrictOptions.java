package io.tern.broker.config;

/**
 * Tern's stricter answers, each behind an option in Mosquitto's style; off by default, so Tern answers as
 * Mosquitto 2.0 does.
 *
 * @param reportBadCredentials        {@code report_bad_credentials true}: a wrong password or an unknown user
 *                                    gets CONNACK 4 (0x86 in MQTT 5) "bad user name or password" instead of
 *                                    Mosquitto's 5 (0x87) "not authorised"
 * @param denyUnreadableSubscriptions {@code deny_unreadable_subscriptions true}: a SUBSCRIBE to a filter the
 *                                    ACL never lets the client read is refused (SUBACK 0x80, 0x87 in MQTT 5)
 *                                    instead of granted and then delivering nothing, as Mosquitto does
 * @param strictPasswordFile          {@code strict_password_file true}: a malformed line in the password file
 *                                    stops start-up (and a reload) with the file and line, instead of being
 *                                    logged and skipped as Mosquitto does (the user on it cannot log in)
 */
public record StrictOptions(boolean reportBadCredentials, boolean denyUnreadableSubscriptions,
                            boolean strictPasswordFile) {

    /** Mosquitto's answers. */
    public static final StrictOptions MOSQUITTO = new StrictOptions(false, false, false);

    public StrictOptions reportBadCredentials(boolean v) {
        return new StrictOptions(v, denyUnreadableSubscriptions, strictPasswordFile);
    }

    public StrictOptions denyUnreadableSubscriptions(boolean v) {
        return new StrictOptions(reportBadCredentials, v, strictPasswordFile);
    }

    public StrictOptions strictPasswordFile(boolean v) {
        return new StrictOptions(reportBadCredentials, denyUnreadableSubscriptions, v);
    }
}
