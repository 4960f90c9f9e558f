package io.tern.cluster;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker without {@code cluster_name} is a single node: with tern-cluster and Hazelcast on the class path, its
 * start and stop load no Hazelcast class. Run in a class loader of its own, so the other tests' Hazelcast
 * members in this JVM do not count.
 */
class SingleNodeTest {

    /** A class loader over the test class path that can tell what it loaded. */
    static final class Isolated extends URLClassLoader {
        Isolated(URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }
    }

    @Test
    void withoutClusterNameNoHazelcastClassIsLoaded() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(new File(entry).toURI().toURL());
        }
        try (Isolated loader = new Isolated(urls.toArray(URL[]::new))) {
            Thread t = Thread.currentThread();
            ClassLoader before = t.getContextClassLoader();
            t.setContextClassLoader(loader); // ServiceLoader finds the extensions through it
            try {
                Class<?> configClass = loader.loadClass("io.tern.broker.config.BrokerConfig");
                Object config = configClass.getConstructor().newInstance();
                Class<?> listener = loader.loadClass("io.tern.broker.config.ListenerConfig");
                configClass.getMethod("addListener", listener)
                        .invoke(config, listener.getConstructor(int.class, String.class).newInstance(0, "127.0.0.1"));
                Class<?> brokerClass = loader.loadClass("io.tern.broker.Broker");
                Object builder = brokerClass.getMethod("builder").invoke(null);
                builder.getClass().getMethod("config", configClass).invoke(builder, config);
                Object broker = builder.getClass().getMethod("build").invoke(builder);
                brokerClass.getMethod("start").invoke(broker);
                brokerClass.getMethod("close").invoke(broker);
            } finally {
                t.setContextClassLoader(before);
            }
            // the cluster extension was found and asked, and said no
            assertThat(loader.loaded("io.tern.cluster.ClusterExtension")).isTrue();
            assertThat(loader.loaded("io.tern.cluster.ClusterNode")).isFalse();
            assertThat(loader.loaded("com.hazelcast.core.Hazelcast")).isFalse();
            assertThat(loader.loaded("com.hazelcast.config.Config")).isFalse();
        }
    }
}
