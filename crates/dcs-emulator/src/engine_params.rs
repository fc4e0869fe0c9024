//! The instance parameters ListConfigurations reports and UpdateConfigurations changes when a
//! real Redis is behind the instance: the ones of a DCS Redis 5.0 and later instance, with
//! their defaults and ranges as the DCS console gives them, in our words.
//!
//! A parameter the engine knows (`engine`) is set with `CONFIG SET` and read back with
//! `CONFIG GET`, so it shows what Redis has. The others are DCS's own (output buffer limits
//! of replicas, `master-read-only`, ...) and are kept by the emulator; `appendonly` decides
//! whether a restart keeps the data.

/// One parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Param {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) default: &'static str,
    pub(crate) value_type: &'static str,
    pub(crate) range: &'static str,
    pub(crate) description: &'static str,
    /// Set with `CONFIG SET` and read back with `CONFIG GET`.
    pub(crate) engine: bool,
    /// Set to its default when the engine starts (all engine parameters but `maxclients`,
    /// which Redis fits to the process's file limit).
    pub(crate) at_boot: bool,
}

const fn p(
    id: &'static str,
    name: &'static str,
    default: &'static str,
    value_type: &'static str,
    range: &'static str,
    description: &'static str,
    engine: bool,
) -> Param {
    Param {
        id,
        name,
        default,
        value_type,
        range,
        description,
        engine,
        at_boot: engine,
    }
}

/// Every parameter, in the order ListConfigurations lists them.
#[rustfmt::skip]
pub(crate) const PARAMS: &[Param] = &[
    p("1", "timeout", "0", "Integer", "0-7200",
      "Seconds a client may stay idle before its connection is closed; 0 never closes it.", true),
    p("2", "appendfsync", "everysec", "Enum", "no,always,everysec",
      "How often the append-only file is written to disk.", true),
    p("3", "appendonly", "yes", "Enum", "yes,no",
      "Whether the data is persisted, so that a restart keeps it (never on a single-node instance).", false),
    p("4", "client-output-buffer-limit-slave-soft-seconds", "60", "Integer", "0-60",
      "Seconds a replica's output buffer may stay over the soft limit before it is disconnected.", false),
    p("5", "client-output-buffer-slave-hard-limit", "1717986918", "Integer", "0-17179869184",
      "Bytes of output buffer at which a replica is disconnected at once.", false),
    p("6", "client-output-buffer-slave-soft-limit", "1717986918", "Integer", "0-17179869184",
      "Bytes of output buffer a replica may hold for the soft seconds before it is disconnected.", false),
    p("7", "maxmemory-policy", "volatile-lru", "Enum",
      "volatile-lru,allkeys-lru,volatile-random,allkeys-random,volatile-ttl,noeviction,volatile-lfu,allkeys-lfu",
      "Which keys are evicted when the memory is full.", true),
    p("8", "lua-time-limit", "5000", "Integer", "100-5000",
      "Milliseconds a Lua script may run before Redis answers other clients that it is busy.", true),
    p("9", "master-read-only", "no", "Enum", "yes,no",
      "Whether the instance refuses writes.", false),
    Param {
        at_boot: false,
        ..p("10", "maxclients", "10000", "Integer", "1000-50000",
            "The most clients connected at once.", true)
    },
    p("11", "proto-max-bulk-len", "536870912", "Integer", "1048576-536870912",
      "The largest request element, in bytes.", true),
    p("12", "repl-backlog-size", "1048576", "Integer", "16384-1073741824",
      "Bytes of replication backlog kept for replicas that reconnect.", true),
    p("13", "repl-backlog-ttl", "3600", "Integer", "0-604800",
      "Seconds the backlog is kept after the last replica went away.", true),
    p("14", "repl-timeout", "60", "Integer", "30-3600",
      "Seconds of silence after which replication is considered broken.", true),
    p("15", "hash-max-ziplist-entries", "512", "Integer", "1-10000",
      "Most fields of a hash kept in the compact encoding.", true),
    p("16", "hash-max-ziplist-value", "64", "Integer", "1-10000",
      "Longest field of a hash kept in the compact encoding, in bytes.", true),
    p("17", "set-max-intset-entries", "512", "Integer", "1-10000",
      "Most members of an integer-only set kept in the compact encoding.", true),
    p("18", "zset-max-ziplist-entries", "128", "Integer", "1-10000",
      "Most members of a sorted set kept in the compact encoding.", true),
    p("19", "zset-max-ziplist-value", "64", "Integer", "1-10000",
      "Longest member of a sorted set kept in the compact encoding, in bytes.", true),
    p("20", "latency-monitor-threshold", "0", "Integer", "0-86400000",
      "Milliseconds from which an operation is recorded by the latency monitor; 0 turns it off.", true),
    p("21", "notify-keyspace-events", "Ex", "String", "a combination of K, E, g, $, l, s, h, z, x, e, A",
      "Which keyspace events are published to subscribers.", true),
    p("22", "slowlog-log-slower-than", "10000", "Integer", "0-1000000",
      "Microseconds from which a command is recorded in the slow log.", true),
    p("23", "slowlog-max-len", "128", "Integer", "0-1000",
      "Most entries the slow log keeps.", true),
    p("24", "active-expire-num", "20", "Integer", "1-1000",
      "Expired keys removed per round of the active expiry cycle.", false),
    p("25", "list-max-ziplist-size", "-2", "Integer", "-5 to -1, or 1 and more",
      "Size of a list's compact nodes: negative values are 4 KB to 64 KB, positive ones a number of elements.", true),
    p("26", "list-compress-depth", "0", "Integer", "0-65535",
      "Nodes at each end of a list left uncompressed; 0 compresses nothing.", true),
];

/// The parameter of that name.
pub(crate) fn find(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.name == name)
}

/// Whether the engine has the parameter (set with `CONFIG SET`, read with `CONFIG GET`).
pub(crate) fn on_engine(name: &str) -> bool {
    find(name).is_some_and(|p| p.engine)
}

/// Whether the parameter is set when the engine starts.
pub(crate) fn at_boot(name: &str) -> bool {
    find(name).is_some_and(|p| p.at_boot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_are_unique() {
        for (i, a) in PARAMS.iter().enumerate() {
            for b in &PARAMS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.id, b.id);
            }
        }
        assert!(on_engine("maxmemory-policy"));
        assert!(!on_engine("appendonly"));
        assert!(on_engine("maxclients") && !at_boot("maxclients"));
    }
}
