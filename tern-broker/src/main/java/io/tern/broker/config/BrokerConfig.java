package io.tern.broker.config;

import java.util.ArrayList;
import java.util.List;

/** TEMPORARY stub until the config branch lands; replaced wholesale by it. */
public class BrokerConfig {
    private final List<ListenerConfig> listeners = new ArrayList<>();
    private Boolean allowAnonymous;
    private int maxInflightMessages = 20;
    private int maxQueuedMessages = 1000;
    private long maxQueuedBytes = 0;
    private boolean queueQos0Messages = false;
    private int messageSizeLimit = 0;
    private int maxPacketSize = 0;
    private int maxKeepalive = 65535;
    private long persistentClientExpiration = 0;
    private boolean allowZeroLengthClientid = true;
    private String autoIdPrefix = "auto-";
    private int sysInterval = 10;
    private boolean retainAvailable = true;
    private boolean setTcpNodelay = false;
    private boolean upgradeOutgoingQos = false;
    private boolean connectionMessages = true;

    public List<ListenerConfig> listeners() { return listeners; }
    public List<ListenerConfig> effectiveListeners() {
        if (!listeners.isEmpty()) return listeners;
        return List.of(new ListenerConfig().port(1883).bindAddress("127.0.0.1"));
    }
    public boolean allowAnonymous() { return allowAnonymous != null ? allowAnonymous : listeners.isEmpty(); }
    public BrokerConfig allowAnonymous(boolean v) { allowAnonymous = v; return this; }
    public int maxInflightMessages() { return maxInflightMessages; }
    public BrokerConfig maxInflightMessages(int v) { maxInflightMessages = v; return this; }
    public int maxQueuedMessages() { return maxQueuedMessages; }
    public BrokerConfig maxQueuedMessages(int v) { maxQueuedMessages = v; return this; }
    public long maxQueuedBytes() { return maxQueuedBytes; }
    public BrokerConfig maxQueuedBytes(long v) { maxQueuedBytes = v; return this; }
    public boolean queueQos0Messages() { return queueQos0Messages; }
    public BrokerConfig queueQos0Messages(boolean v) { queueQos0Messages = v; return this; }
    public int messageSizeLimit() { return messageSizeLimit; }
    public BrokerConfig messageSizeLimit(int v) { messageSizeLimit = v; return this; }
    public int maxPacketSize() { return maxPacketSize; }
    public BrokerConfig maxPacketSize(int v) { maxPacketSize = v; return this; }
    public int maxKeepalive() { return maxKeepalive; }
    public BrokerConfig maxKeepalive(int v) { maxKeepalive = v; return this; }
    public long persistentClientExpiration() { return persistentClientExpiration; }
    public BrokerConfig persistentClientExpiration(long v) { persistentClientExpiration = v; return this; }
    public boolean allowZeroLengthClientid() { return allowZeroLengthClientid; }
    public BrokerConfig allowZeroLengthClientid(boolean v) { allowZeroLengthClientid = v; return this; }
    public String autoIdPrefix() { return autoIdPrefix; }
    public BrokerConfig autoIdPrefix(String v) { autoIdPrefix = v; return this; }
    public int sysInterval() { return sysInterval; }
    public BrokerConfig sysInterval(int v) { sysInterval = v; return this; }
    public boolean retainAvailable() { return retainAvailable; }
    public BrokerConfig retainAvailable(boolean v) { retainAvailable = v; return this; }
    public boolean setTcpNodelay() { return setTcpNodelay; }
    public BrokerConfig setTcpNodelay(boolean v) { setTcpNodelay = v; return this; }
    public boolean upgradeOutgoingQos() { return upgradeOutgoingQos; }
    public BrokerConfig upgradeOutgoingQos(boolean v) { upgradeOutgoingQos = v; return this; }
    public boolean connectionMessages() { return connectionMessages; }
    public BrokerConfig connectionMessages(boolean v) { connectionMessages = v; return this; }
}
