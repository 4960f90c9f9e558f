package io.tern.cluster;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A test class on its own three-node cluster, formed once for its tests (each uses its own topics and ids). */
abstract class ThreeNodes {

    static TestCluster cluster;
    static TestCluster.Node n1;
    static TestCluster.Node n2;
    static TestCluster.Node n3;

    @BeforeAll
    static void form() throws Exception {
        cluster = new TestCluster(3).start(c -> { });
        n1 = cluster.node(0);
        n2 = cluster.node(1);
        n3 = cluster.node(2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }
}
