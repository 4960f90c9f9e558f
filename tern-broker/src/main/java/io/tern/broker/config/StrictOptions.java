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
 * @param checkPayloadFormat          {@code check_payload_format true}: a Payload Format Indicator other than 0
 *                                    or 1 is a protocol error, and a payload (or will) marked 1 that is not
 *                                    well-formed UTF-8 is refused with 0x99 "Payload format invalid", as the
 *                                    receiver MAY (MQTT 5 3.3.2.3.2, 3.1.3.2.3); Mosquitto forwards both
 */
public record StrictOptions(boolean reportBadCredentials, boolean denyUnreadableSubscriptions,
                            boolean strictPasswordFile, boolean checkPayloadFormat) {

    /** Mosquitto's answers. */
    public static final StrictOptions MOSQUITTO = new StrictOptions(false, false, false, false);

    public StrictOptions reportBadCredentials(boolean v) {
        return new StrictOptions(v, denyUnreadableSubscriptions, strictPasswordFile, checkPayloadFormat);
    }

    public StrictOptions denyUnreadableSubscriptions(boolean v) {
        return new StrictOptions(reportBadCredentials, v, strictPasswordFile, checkPayloadFormat);
    }

    public StrictOptions strictPasswordFile(boolean v) {
        return new StrictOptions(reportBadCredentials, denyUnreadableSubscriptions, v, checkPayloadFormat);
    }

    public StrictOptions checkPayloadFormat(boolean v) {
        return new StrictOptions(reportBadCredentials, denyUnreadableSubscriptions, strictPasswordFile, v);
    }
}
