package io.tern.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * Split-brain merge of {@code tern.retained}: per topic, the retained message published last wins, by the
 * wall-clock time {@link ClusterWire#retained(io.tern.broker.Message)} writes at the front of each value. Not
 * Hazelcast's {@code LatestUpdateMergePolicy}: an entry's update time is that of the map write on its partition
 * owner, which a topic set once in each half may not have (the merging side won ties in a test), where the
 * publication time is what "the newer message" means.
 */
public final class NewestRetainedMergePolicy implements SplitBrainMergePolicy<byte[], MergingValue<byte[]>, Object> {

    @Override
    public Object merge(MergingValue<byte[]> merging, MergingValue<byte[]> existing) {
        if (existing == null) {
            return merging.getRawValue();
        }
        return written(merging.getDeserializedValue()) >= written(existing.getDeserializedValue())
                ? merging.getRawValue() : existing.getRawValue();
    }

    private static long written(byte[] value) {
        if (value == null || value.length < 8) {
            return Long.MIN_VALUE;
        }
        long t = 0;
        for (int i = 0; i < 8; i++) {
            t = (t << 8) | (value[i] & 0xFF);
        }
        return t;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
    }

    @Override
    public void readData(ObjectDataInput in) {
    }
}
