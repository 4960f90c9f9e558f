package io.tern.broker.store;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link Store#recover()} read back.
 *
 * @param sessions        every stored session
 * @param queuedCounts    number of queue entries per client id
 * @param lastSeq         highest queue sequence per client id (new entries continue after it)
 * @param inboundQos2     inbound QoS 2 packet ids awaiting PUBREL, per client id
 * @param retained        every retained message
 * @param nextMessageId   first message id not used yet
 */
public record Recovered(List<StoredSession> sessions, Map<String, Long> queuedCounts, Map<String, Long> lastSeq,
                        Map<String, Set<Integer>> inboundQos2, List<StoredMessage> retained, long nextMessageId) {
}
