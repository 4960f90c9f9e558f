package io.tern.broker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SLF4J logger per Mosquitto log type, so {@code log_type} maps one-to-one onto loggers and
 * operators' greps for Mosquitto's log lines keep working.
 */
public final class Log {

    public static final Logger ERROR = LoggerFactory.getLogger("tern.error");
    public static final Logger WARNING = LoggerFactory.getLogger("tern.warning");
    public static final Logger NOTICE = LoggerFactory.getLogger("tern.notice");
    public static final Logger INFO = LoggerFactory.getLogger("tern.information");
    public static final Logger DEBUG = LoggerFactory.getLogger("tern.debug");
    public static final Logger SUBSCRIBE = LoggerFactory.getLogger("tern.subscribe");
    public static final Logger UNSUBSCRIBE = LoggerFactory.getLogger("tern.unsubscribe");
    public static final Logger WEBSOCKETS = LoggerFactory.getLogger("tern.websockets");

    private Log() {
    }
}
