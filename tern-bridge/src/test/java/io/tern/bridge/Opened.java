package io.tern.bridge;

import java.util.ArrayList;
import java.util.List;

/** What a test opened (brokers, clients), closed in reverse order after it. */
final class Opened implements AutoCloseable {

    private final List<AutoCloseable> open = new ArrayList<>();

    <T extends AutoCloseable> T keep(T t) {
        open.add(t);
        return t;
    }

    /** Closes one early (a remote broker that goes down mid-test). */
    void close(AutoCloseable t) throws Exception {
        open.remove(t);
        t.close();
    }

    int size() {
        return open.size();
    }

    @Override
    public void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }
}
