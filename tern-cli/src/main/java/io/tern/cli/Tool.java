package io.tern.cli;

/** The three tools share one option parser; some options belong to only one of them, as in Mosquitto. */
enum Tool {
    PUB("tern-pub"), SUB("tern-sub"), RR("tern-rr");

    final String command;

    Tool(String command) {
        this.command = command;
    }
}
