package io.tern.broker;

import io.tern.broker.config.ListenerConfig;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.List;

/** The socket addresses a listener binds, from its bind_address, socket_domain and port, as Mosquitto 2.0 picks them. */
final class ListenAddresses {

    private ListenAddresses() {
    }

    static List<InetSocketAddress> of(ListenerConfig l) throws IOException {
        List<InetSocketAddress> addrs = new ArrayList<>();
        if (l.bindAddress() != null) {
            addrs.add(new InetSocketAddress(InetAddress.getByName(l.bindAddress()), l.port()));
        } else if (l.localOnly()) {
            // Mosquitto 2.0 without a config listens on the loopback interface only
            addrs.add(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), l.port()));
            if (ipv6LoopbackAvailable()) {
                addrs.add(new InetSocketAddress(InetAddress.getByName("::1"), l.port()));
            }
        } else if (l.socketDomain() == io.tern.broker.config.SocketDomain.IPV4) {
            addrs.add(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), l.port()));
        } else if (l.socketDomain() == io.tern.broker.config.SocketDomain.IPV6) {
            addrs.add(new InetSocketAddress(InetAddress.getByName("::"), l.port()));
        } else {
            // the wildcard address: one dual-stack socket serves IPv4 and IPv6 clients
            addrs.add(new InetSocketAddress(l.port()));
        }
        return addrs;
    }

    private static boolean ipv6LoopbackAvailable() {
        try {
            for (NetworkInterface ni : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (ni.isLoopback() && ni.isUp()) {
                    for (InetAddress a : java.util.Collections.list(ni.getInetAddresses())) {
                        if (a instanceof Inet6Address && a.isLoopbackAddress()) {
                            return true;
                        }
                    }
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
