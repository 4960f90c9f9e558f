package io.tern.codec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * An immutable MQTT 5 property list. Single-valued properties are looked up by {@link PropertyId};
 * User Properties and Subscription Identifiers, which may repeat, are kept as ordered lists. The list also
 * remembers the order its properties were added in (the wire order, for a decoded packet), and the encoder
 * writes them in that order: a forwarded message keeps its publisher's order, and replies list their
 * properties in the order Mosquitto does.
 * Values are {@code Integer} for BYTE, TWO_BYTE and VARIABLE_INT, {@code Long} for FOUR_BYTE,
 * {@code String} for UTF8 and {@code byte[]} for BINARY.
 */
public final class Properties {

    public static final Properties EMPTY = new Properties(new Object[PropertyId.MAX_ID + 1], List.of(), List.of(),
            new byte[0]);

    private final Object[] values;
    private final List<UserProperty> userProperties;
    private final List<Integer> subscriptionIdentifiers;
    /**
     * Property identifiers in the order they were added; User Property and Subscription Identifier appear
     * once per value (the n-th occurrence is the n-th element of its list).
     */
    private final byte[] order;

    private Properties(Object[] values, List<UserProperty> userProperties, List<Integer> subscriptionIdentifiers,
                       byte[] order) {
        this.values = values;
        this.userProperties = userProperties;
        this.subscriptionIdentifiers = subscriptionIdentifiers;
        this.order = order;
    }

    public static Builder builder() { return new Builder(); }

    /** A builder seeded with this list's contents, for a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        System.arraycopy(values, 0, b.values, 0, values.length);
        b.userProperties.addAll(userProperties);
        b.subscriptionIdentifiers.addAll(subscriptionIdentifiers);
        b.order = order.length == 0 ? new byte[8] : java.util.Arrays.copyOf(order, Math.max(8, order.length * 2));
        b.count = order.length;
        return b;
    }

    /** How many properties the list holds, counting each User Property and Subscription Identifier. */
    public int size() { return order.length; }

    /** The identifier of the {@code i}-th property in the order they were added. */
    public PropertyId idAt(int i) { return PropertyId.of(order[i]); }

    public boolean isEmpty() {
        if (!userProperties.isEmpty() || !subscriptionIdentifiers.isEmpty()) {
            return false;
        }
        for (Object v : values) {
            if (v != null) {
                return false;
            }
        }
        return true;
    }

    /** The value of a single-valued property, or null when absent. */
    public Object get(PropertyId id) { return values[id.id()]; }

    public boolean has(PropertyId id) {
        return switch (id) {
            case USER_PROPERTY -> !userProperties.isEmpty();
            case SUBSCRIPTION_IDENTIFIER -> !subscriptionIdentifiers.isEmpty();
            default -> values[id.id()] != null;
        };
    }

    /** An Integer-valued property (BYTE, TWO_BYTE, VARIABLE_INT), or {@code dflt} when absent. */
    public int intValue(PropertyId id, int dflt) {
        Object v = values[id.id()];
        return v == null ? dflt : (Integer) v;
    }

    /** A FOUR_BYTE property as an unsigned value, or {@code dflt} when absent. */
    public long longValue(PropertyId id, long dflt) {
        Object v = values[id.id()];
        return v == null ? dflt : (Long) v;
    }

    public String stringValue(PropertyId id) { return (String) values[id.id()]; }

    public byte[] binaryValue(PropertyId id) { return (byte[]) values[id.id()]; }

    public List<UserProperty> userProperties() { return userProperties; }

    public List<Integer> subscriptionIdentifiers() { return subscriptionIdentifiers; }

    /** The ids of the single-valued properties present, in the order they were added. */
    public List<PropertyId> presentSingleValued() {
        List<PropertyId> ids = new ArrayList<>();
        for (byte id : order) {
            if (values[id] != null) {
                ids.add(PropertyId.of(id));
            }
        }
        return ids;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Properties p)) {
            return false;
        }
        return Arrays.deepEquals(values, p.values) && userProperties.equals(p.userProperties)
                && subscriptionIdentifiers.equals(p.subscriptionIdentifiers);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(values) * 31 + userProperties.hashCode() * 7 + subscriptionIdentifiers.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Properties[");
        String sep = "";
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                Object v = values[i];
                sb.append(sep).append(PropertyId.of(i)).append('=')
                        .append(v instanceof byte[] b ? b.length + " bytes" : v);
                sep = ", ";
            }
        }
        for (Integer s : subscriptionIdentifiers) {
            sb.append(sep).append("SUBSCRIPTION_IDENTIFIER=").append(s);
            sep = ", ";
        }
        for (UserProperty u : userProperties) {
            sb.append(sep).append(u.name()).append(':').append(u.value());
            sep = ", ";
        }
        return sb.append(']').toString();
    }

    /** Builds a {@link Properties}; not thread-safe. */
    public static final class Builder {
        private final Object[] values = new Object[PropertyId.MAX_ID + 1];
        private final List<UserProperty> userProperties = new ArrayList<>();
        private final List<Integer> subscriptionIdentifiers = new ArrayList<>();
        private byte[] order = new byte[8];
        private int count;

        private Builder() {
        }

        private void append(PropertyId id) {
            if (count == order.length) {
                order = java.util.Arrays.copyOf(order, count * 2);
            }
            order[count++] = (byte) id.id();
        }

        private void drop(PropertyId id) {
            int n = 0;
            for (int i = 0; i < count; i++) {
                if (order[i] != id.id()) {
                    order[n++] = order[i];
                }
            }
            count = n;
        }

        /** Appends every property of {@code p}, in its order (single-valued ones replace earlier values). */
        public Builder putAll(Properties p) {
            int u = 0;
            int s = 0;
            for (byte b : p.order) {
                PropertyId id = PropertyId.of(b);
                switch (id) {
                    case USER_PROPERTY -> put(id, p.userProperties.get(u++));
                    case SUBSCRIPTION_IDENTIFIER -> put(id, p.subscriptionIdentifiers.get(s++));
                    default -> put(id, p.values[b]);
                }
            }
            return this;
        }

        /** Sets a single-valued property, replacing any earlier value; a null value removes it. */
        public Builder put(PropertyId id, Object value) {
            switch (id) {
                case USER_PROPERTY -> {
                    userProperties.add((UserProperty) value);
                    append(id);
                }
                case SUBSCRIPTION_IDENTIFIER -> {
                    if (value == null) {
                        remove(id);
                    } else {
                        subscriptionIdentifiers.add((Integer) value);
                        append(id);
                    }
                }
                default -> {
                    Object v = checkType(id, value);
                    if (v == null) {
                        remove(id);
                    } else {
                        if (values[id.id()] == null) {
                            append(id); // a replaced value keeps its place
                        }
                        values[id.id()] = v;
                    }
                }
            }
            return this;
        }

        public Builder remove(PropertyId id) {
            switch (id) {
                case USER_PROPERTY -> userProperties.clear();
                case SUBSCRIPTION_IDENTIFIER -> subscriptionIdentifiers.clear();
                default -> {
                    if (values[id.id()] == null) {
                        return this;
                    }
                    values[id.id()] = null;
                }
            }
            drop(id);
            return this;
        }

        public Builder userProperty(String name, String value) {
            return put(PropertyId.USER_PROPERTY, new UserProperty(name, value));
        }

        public Builder subscriptionIdentifier(int id) {
            return put(PropertyId.SUBSCRIPTION_IDENTIFIER, id);
        }

        /** Whether a single-valued property is already set (lets a decoder detect duplicates). */
        public boolean isSet(PropertyId id) { return values[id.id()] != null; }

        public Properties build() {
            if (count == 0) {
                return EMPTY;
            }
            return new Properties(values.clone(),
                    userProperties.isEmpty() ? List.of() : Collections.unmodifiableList(new ArrayList<>(userProperties)),
                    subscriptionIdentifiers.isEmpty() ? List.of() : List.copyOf(subscriptionIdentifiers),
                    java.util.Arrays.copyOf(order, count));
        }

        private static Object checkType(PropertyId id, Object value) {
            if (value == null) {
                return null;
            }
            boolean ok = switch (id.wireType()) {
                case BYTE, TWO_BYTE, VARIABLE_INT -> value instanceof Integer;
                case FOUR_BYTE -> value instanceof Long;
                case UTF8 -> value instanceof String;
                case BINARY -> value instanceof byte[];
                case UTF8_PAIR -> value instanceof UserProperty;
            };
            if (!ok) {
                throw new IllegalArgumentException(id + " takes a " + id.wireType() + " value, not "
                        + value.getClass().getSimpleName());
            }
            return value;
        }
    }
}
