package io.tern.cli;

/** The --help texts, laid out as Mosquitto's so the same flags are found in the same place. */
final class Usage {

    private Usage() {
    }

    private static final String COMMON = """
             -A : bind the outgoing socket to this host/ip address. Use to control which interface
                  the client communicates over.
             -c : disable clean session/enable persistent client mode
             -d : enable debug messages.
             -D : Define MQTT v5 properties. See the documentation for more details.
             -h : mqtt host to connect to. Defaults to localhost.
             -i : id to use for this client. Defaults to none: the broker assigns one.
             -I : define the client id as id_prefix appended with the process id.
             -k : keep alive in seconds for this client. Defaults to 60.
             -L : specify user, password, hostname, port and topic as a URL in the form:
                  mqtt(s)://[username[:password]@]host[:port]/topic
             -p : network port to connect to. Defaults to 1883 for plain MQTT and 8883 for MQTT over TLS.
             -P : provide a password
             -u : provide a username
             -V : specify the version of the MQTT protocol to use when connecting.
                  Can be mqttv5, mqttv311 or mqttv31. Defaults to mqttv311.
             -x : Set the session-expiry-interval property on the CONNECT packet. Applies to MQTT v5
                  clients only. Set to 0-4294967294 to specify the session will expire in that many
                  seconds after the client disconnects, or use -1, 4294967295, or ∞ for a session
                  that does not expire. Defaults to -1 if -c is also given, or 0 if -c not given.
             --help : display this message.
             --nodelay : disable Nagle's algorithm.
             --quiet : don't print error messages.
             --will-payload : payload for the client Will.
             --will-qos : QoS level for the client Will.
             --will-retain : if given, make the client Will retained.
             --will-topic : the topic on which to publish the client Will.
             --cafile : path to a file containing trusted CA certificates to enable encrypted
                        communication.
             --capath : path to a directory containing trusted CA certificates to enable encrypted
                        communication.
             --cert : client certificate for authentication, if required by server.
             --key : client private key for authentication, if required by server.
             --ciphers : TLS cipher suites to support (colon separated).
             --tls-version : TLS protocol version, can be one of tlsv1.3 tlsv1.2 or tlsv1.1.
             --insecure : do not check that the server certificate hostname matches the remote
                          hostname.
             --psk : pre-shared-key in hexadecimal (no leading 0x) to enable TLS-PSK mode.
             --psk-identity : client identity string for TLS-PSK mode.
            """;

    static String pub() {
        return """
                tern-pub is a simple mqtt client that will publish a message on a single topic and exit.
                It takes the flags of mosquitto_pub 2.0.

                Usage: tern-pub {[-h host] [-p port] [-u username] [-P password] -t topic | -L URL}
                                {-f file | -l | -n | -m message | -s}
                                [-c] [-k keepalive] [-q qos] [-r] [--repeat N] [--repeat-delay time] [-x session-expiry]
                                [-A bind_address] [--nodelay]
                                [-i id] [-I id_prefix]
                                [-d] [--quiet]
                                [-M max_inflight]
                                [-u username [-P password]]
                                [--will-topic [--will-payload payload] [--will-qos qos] [--will-retain]]
                                [{--cafile file | --capath dir} [--cert file] [--key file]
                                  [--ciphers ciphers] [--insecure] [--tls-version version]]
                                [--psk hex-key --psk-identity identity]
                                [-D command identifier value]
                       tern-pub --help

                """ + COMMON + """
                 -f : send the contents of a file as the message.
                 -l : read messages from stdin, sending a separate message for each line.
                 -m : message payload to send.
                 -M : the maximum inflight messages for QoS 1/2..
                 -n : send a null (zero length) message.
                 -q : quality of service level to use for all messages. Defaults to 0.
                 -r : message should be retained.
                 -s : read message from stdin, sending the entire input as a message.
                 -t : mqtt topic to publish to.
                 --repeat : if publish mode is -f, -m, or -s, then repeat the publish N times.
                 --repeat-delay : if using --repeat, wait time seconds between publishes. Defaults to 0.
                """;
    }

    static String sub() {
        return """
                tern-sub is a simple mqtt client that will subscribe to a set of topics and print all messages it receives.
                It takes the flags of mosquitto_sub 2.0.

                Usage: tern-sub {[-h host] [-p port] [-u username] [-P password] -t topic | -L URL [-t topic]}
                                [-c] [-k keepalive] [-q qos] [-x session-expiry-interval]
                                [-C msg_count] [-E] [-R] [--retained-only] [--remove-retained] [-T filter_out] [-U topic ...]
                                [-F format]
                                [-W timeout_secs]
                                [-A bind_address] [--nodelay]
                                [-i id] [-I id_prefix]
                                [-d] [-N] [--quiet] [-v]
                                [--will-topic [--will-payload payload] [--will-qos qos] [--will-retain]]
                                [{--cafile file | --capath dir} [--cert file] [--key file]
                                  [--ciphers ciphers] [--insecure] [--tls-version version]]
                                [--psk hex-key --psk-identity identity]
                                [-D command identifier value]
                       tern-sub --help

                """ + COMMON + """
                 -C : disconnect and exit after receiving the 'msg_count' messages.
                 -E : Exit once all subscriptions have been acknowledged by the broker.
                 -F : output format.
                 -N : do not add an end of line character when printing the payload.
                 -q : quality of service level to use for the subscription. Defaults to 0.
                 -R : do not print stale messages (those with retain set).
                 -t : mqtt topic to subscribe to. May be repeated multiple times.
                 -T : topic string to filter out of results. May be repeated.
                 -U : unsubscribe from a topic. May be repeated.
                 -v : print published messages verbosely.
                 -W : Specifies a timeout in seconds how long to process incoming MQTT messages.
                 --pretty : print formatted output rather than minimised output when using the
                            JSON output format option.
                 --random-filter : only print a percentage of received messages.
                 --retained-only : only handle messages with the retained flag set, and exit when the
                                   first non-retained message is received.
                 --remove-retained : send a message to the server to clear any received retained messages
                                     Use -T to filter out messages you do not want to be cleared.
                """;
    }

    static String rr() {
        return """
                tern-rr is an mqtt client that can be used to publish a request message and wait for a response.
                It takes the flags of mosquitto_rr 2.0 and always speaks MQTT v5.

                Usage: tern-rr {[-h host] [-p port] [-u username] [-P password] -t topic | -L URL}
                               -e response-topic
                               {-f file | -l | -n | -m message | -s}
                               [-c] [-k keepalive] [-q qos] [-R] [-x session-expiry-interval]
                               [-F format] [-N] [-W timeout_secs] [-v]
                               [-A bind_address] [--nodelay]
                               [-i id] [-I id_prefix]
                               [-d] [--quiet]
                               [-D command identifier value]
                       tern-rr --help

                """ + COMMON + """
                 -e : Response topic. The client will subscribe to this topic to wait for a response.
                 -F : output format.
                 -m : message payload to send.
                 -n : send a null (zero length) message.
                 -N : do not add an end of line character when printing the payload.
                 -q : quality of service level to use for communications. Defaults to 0.
                 -R : do not print stale messages (those with retain set).
                 -s : read message from stdin, sending the entire input as a message.
                 -t : topic where the request message will be sent.
                 -v : print received messages verbosely.
                 -W : Specifies a timeout in seconds how long to wait for a response.
                 --pretty : print formatted output rather than minimised output when using the
                            JSON output format option.
                """;
    }
}
