/**
 * The broker's configuration: Mosquitto's {@code mosquitto.conf} dialect read with Mosquitto 2.0's meanings.
 *
 * <p>Entry points: {@link io.tern.broker.config.ConfigParser#parse(java.nio.file.Path)} (first problem as a
 * {@link io.tern.broker.config.ConfigException}, message {@code FILE:LINE: reason}),
 * {@link io.tern.broker.config.ConfigParser#check(java.nio.file.Path)} (every problem, for
 * {@code --test-config}), and {@link io.tern.broker.config.BrokerConfig} to build a configuration in code.
 *
 * <p>Every option Mosquitto 2.0 knows is either read into a typed field, refused with
 * {@code option 'X' is not supported yet} (bridges, plugins, {@code http_dir}, {@code memory_limit}, ...), or,
 * for the few Mosquitto itself accepts without effect ({@code retry_interval}), reported in
 * {@link io.tern.broker.config.BrokerConfig#warnings()}. Options read from a file keep their
 * {@link io.tern.broker.config.Location} so the broker can refuse, with file and line, a feature it cannot
 * honour yet.
 */
package io.tern.broker.config;
