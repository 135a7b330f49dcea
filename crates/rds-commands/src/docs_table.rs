//! COMMAND DOCS data for every command in the table, as Redis 7.0.15 reports it.
//!
//! `tests/data/capture.py <port> --rust-docs <name>...` prints entries in this layout from a running
//! redis-server, and the `command_docs_match_real_redis` test checks every entry against
//! `tests/data/command_docs.txt`.

use crate::docs::*;

/// Documentation entries, in table order.
#[rustfmt::skip]
pub static DOCS: &[Doc] = &[
    doc("ping", "Ping the server", "1.0.0", "O(1)")
        .args(&[string("message").optional()]),
    doc("echo", "Echo the given string", "1.0.0", "O(1)")
        .args(&[string("message")]),
    doc("hello", "Handshake with Redis", "6.0.0", "O(1)")
        .history(&[
            ("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context."),
        ])
        .args(&[
            block("arguments", &[
                integer("protover"),
                block("username_password", &[
                    string("username"),
                    string("password"),
                ]).token("AUTH").optional(),
                string("clientname").token("SETNAME").optional(),
            ]).optional(),
        ]),
    doc("auth", "Authenticate to the server", "1.0.0", "O(N) where N is the number of passwords defined for the user")
        .history(&[("6.0.0", "Added ACL style (username and password).")])
        .args(&[string("username").since("6.0.0").optional(), string("password")]),
    doc("select", "Change the selected database for the current connection", "1.0.0", "O(1)")
        .args(&[integer("index")]),
    doc("quit", "Close the connection", "1.0.0", "O(1)"),
    doc("reset", "Reset the connection", "6.2.0", "O(1)"),
    doc("client", "A container for client connection commands", "2.4.0", "Depends on subcommand."),
    doc("client|id", "Returns the client ID for the current connection", "5.0.0", "O(1)"),
    doc("client|setname", "Set the current connection name", "2.6.9", "O(1)")
        .args(&[string("connection-name")]),
    doc("client|getname", "Get the current connection name", "2.6.9", "O(1)"),
    doc("client|list", "Get the list of client connections", "2.4.0", "O(N) where N is the number of client connections")
        .history(&[
            ("2.8.12", "Added unique client `id` field."),
            ("5.0.0", "Added optional `TYPE` filter."),
            ("6.0.0", "Added `user` field."),
            ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."),
            ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
            ("7.0.3", "Added `ssub` field."),
        ])
        .args(&[
            oneof("normal_master_replica_pubsub", &[
                pure("normal", "NORMAL"),
                pure("master", "MASTER"),
                pure("replica", "REPLICA"),
                pure("pubsub", "PUBSUB"),
            ]).token("TYPE").since("5.0.0").optional(),
            block("id", &[
                integer("client-id").multiple(),
            ]).token("ID").since("6.2.0").optional(),
        ]),
    doc("client|info", "Returns information about the current client connection.", "6.2.0", "O(1)"),
    doc("client|kill", "Kill the connection of a client", "2.4.0", "O(N) where N is the number of client connections")
        .history(&[
            ("2.8.12", "Added new filter format."),
            ("2.8.12", "`ID` option."),
            ("3.2.0", "Added `master` type in for `TYPE` option."),
            ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."),
            ("6.2.0", "`LADDR` option."),
        ])
        .args(&[
            oneof("filter", &[
                string("ip:port").deprecated_since("2.8.12"),
                oneof("new-format", &[
                    integer("client-id").token("ID").since("2.8.12").optional(),
                    oneof("normal_master_slave_pubsub", &[
                        pure("normal", "NORMAL"),
                        pure("master", "MASTER").since("3.2.0"),
                        pure("slave", "SLAVE"),
                        pure("replica", "REPLICA").since("5.0.0"),
                        pure("pubsub", "PUBSUB"),
                    ]).token("TYPE").since("2.8.12").optional(),
                    string("username").token("USER").optional(),
                    string("ip:port").token("ADDR").optional(),
                    string("ip:port").token("LADDR").since("6.2.0").optional(),
                    string("yes/no").token("SKIPME").optional(),
                ]).multiple(),
            ]),
        ]),
    doc("client|no-evict", "Set client eviction mode for the current connection", "7.0.0", "O(1)")
        .args(&[
            oneof("enabled", &[
                pure("on", "ON"),
                pure("off", "OFF"),
            ]),
        ]),
    doc("client|reply", "Instruct the server whether to reply to commands", "3.2.0", "O(1)")
        .args(&[
            oneof("on_off_skip", &[
                pure("on", "ON"),
                pure("off", "OFF"),
                pure("skip", "SKIP"),
            ]),
        ]),
    doc("client|help", "Show helpful text about the different subcommands", "5.0.0", "O(1)"),
    doc("client|pause", "Stop processing commands from clients for some time", "2.9.50", "O(1)")
        .history(&[("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option.")])
        .args(&[
            integer("timeout"),
            oneof("mode", &[
                pure("write", "WRITE"),
                pure("all", "ALL"),
            ]).since("6.2.0").optional(),
        ]),
    doc("client|unpause", "Resume processing of clients that were paused", "6.2.0", "O(N) Where N is the number of paused clients"),
    doc("client|unblock", "Unblock a client blocked in a blocking command from a different connection", "5.0.0", "O(log N) where N is the number of client connections")
        .args(&[
            integer("client-id"),
            oneof("timeout_error", &[
                pure("timeout", "TIMEOUT"),
                pure("error", "ERROR"),
            ]).optional(),
        ]),
    doc("client|caching", "Instruct the server about tracking or not keys in the next request", "6.0.0", "O(1)")
        .args(&[
            oneof("mode", &[
                pure("yes", "YES"),
                pure("no", "NO"),
            ]),
        ]),
    doc("client|getredir", "Get tracking notifications redirection client ID if any", "6.0.0", "O(1)"),
    doc("client|tracking", "Enable or disable server assisted client side caching support", "6.0.0", "O(1). Some options may introduce additional complexity.")
        .args(&[
            oneof("status", &[
                pure("on", "ON"),
                pure("off", "OFF"),
            ]),
            integer("client-id").token("REDIRECT").optional(),
            string("prefix").token("PREFIX").optional().multiple().multiple_token(),
            pure("bcast", "BCAST").optional(),
            pure("optin", "OPTIN").optional(),
            pure("optout", "OPTOUT").optional(),
            pure("noloop", "NOLOOP").optional(),
        ]),
    doc("client|trackinginfo", "Return information about server assisted client side caching for the current connection", "6.2.0", "O(1)"),
    doc("get", "Get the value of a key", "1.0.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("set", "Set the string value of a key", "1.0.0", "O(1)")
        .history(&[
            ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
            ("6.0.0", "Added the `KEEPTTL` option."),
            ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
            ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
        ])
        .args(&[
            key("key", 0),
            string("value"),
            oneof("condition", &[
                pure("nx", "NX"),
                pure("xx", "XX"),
            ]).since("2.6.12").optional(),
            pure("get", "GET").since("6.2.0").optional(),
            oneof("expiration", &[
                integer("seconds").token("EX").since("2.6.12"),
                integer("milliseconds").token("PX").since("2.6.12"),
                unix_time("unix-time-seconds").token("EXAT").since("6.2.0"),
                unix_time("unix-time-milliseconds").token("PXAT").since("6.2.0"),
                pure("keepttl", "KEEPTTL").since("6.0.0"),
            ]).optional(),
        ]),
    doc("getex", "Get the value of a key and optionally set its expiration", "6.2.0", "O(1)")
        .args(&[
            key("key", 0),
            oneof("expiration", &[
                integer("seconds").token("EX"),
                integer("milliseconds").token("PX"),
                unix_time("unix-time-seconds").token("EXAT"),
                unix_time("unix-time-milliseconds").token("PXAT"),
                pure("persist", "PERSIST"),
            ]).optional(),
        ]),
    doc("getdel", "Get the value of a key and delete the key", "6.2.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("getset", "Set the string value of a key and return its old value", "1.0.0", "O(1)").deprecated().deprecated_since("6.2.0").replaced_by("`SET` with the `!GET` argument")
        .args(&[key("key", 0), string("value")]),
    doc("setnx", "Set the value of a key, only if the key does not exist", "1.0.0", "O(1)")
        .args(&[key("key", 0), string("value")]),
    doc("setex", "Set the value and expiration of a key", "2.0.0", "O(1)")
        .args(&[key("key", 0), integer("seconds"), string("value")]),
    doc("psetex", "Set the value and expiration in milliseconds of a key", "2.6.0", "O(1)")
        .args(&[key("key", 0), integer("milliseconds"), string("value")]),
    doc("mget", "Get the values of all the given keys", "1.0.0", "O(N) where N is the number of keys to retrieve.")
        .args(&[key("key", 0).multiple()]),
    doc("mset", "Set multiple keys to multiple values", "1.0.1", "O(N) where N is the number of keys to set.")
        .args(&[
            block("key_value", &[
                key("key", 0),
                string("value"),
            ]).multiple(),
        ]),
    doc("msetnx", "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1", "O(N) where N is the number of keys to set.")
        .args(&[
            block("key_value", &[
                key("key", 0),
                string("value"),
            ]).multiple(),
        ]),
    doc("append", "Append a value to a key", "2.0.0", "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.")
        .args(&[key("key", 0), string("value")]),
    doc("strlen", "Get the length of the value stored in a key", "2.2.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("getrange", "Get a substring of the string stored at a key", "2.4.0", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.")
        .args(&[key("key", 0), integer("start"), integer("end")]),
    doc("substr", "Get a substring of the string stored at a key", "1.0.0", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.").deprecated().deprecated_since("2.0.0").replaced_by("`GETRANGE`")
        .args(&[key("key", 0), integer("start"), integer("end")]),
    doc("setrange", "Overwrite part of a string at key starting at the specified offset", "2.2.0", "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.")
        .args(&[key("key", 0), integer("offset"), string("value")]),
    doc("incr", "Increment the integer value of a key by one", "1.0.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("decr", "Decrement the integer value of a key by one", "1.0.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("incrby", "Increment the integer value of a key by the given amount", "1.0.0", "O(1)")
        .args(&[key("key", 0), integer("increment")]),
    doc("decrby", "Decrement the integer value of a key by the given number", "1.0.0", "O(1)")
        .args(&[key("key", 0), integer("decrement")]),
    doc("incrbyfloat", "Increment the float value of a key by the given amount", "2.6.0", "O(1)")
        .args(&[key("key", 0), double("increment")]),
    doc("setbit", "Sets or clears the bit at offset in the string value stored at key", "2.2.0", "O(1)")
        .args(&[key("key", 0), integer("offset"), integer("value")]),
    doc("getbit", "Returns the bit value at offset in the string value stored at key", "2.2.0", "O(1)")
        .args(&[key("key", 0), integer("offset")]),
    doc("bitcount", "Count set bits in a string", "2.6.0", "O(N)")
        .history(&[("7.0.0", "Added the `BYTE|BIT` option.")])
        .args(&[
            key("key", 0),
            block("index", &[
                integer("start"),
                integer("end"),
                oneof("index_unit", &[
                    pure("byte", "BYTE"),
                    pure("bit", "BIT"),
                ]).since("7.0.0").optional(),
            ]).optional(),
        ]),
    doc("bitpos", "Find first bit set or clear in a string", "2.8.7", "O(N)")
        .history(&[("7.0.0", "Added the `BYTE|BIT` option.")])
        .args(&[
            key("key", 0),
            integer("bit"),
            block("index", &[
                integer("start"),
                block("end_index", &[
                    integer("end"),
                    oneof("index_unit", &[
                        pure("byte", "BYTE"),
                        pure("bit", "BIT"),
                    ]).since("7.0.0").optional(),
                ]).optional(),
            ]).optional(),
        ]),
    doc("bitop", "Perform bitwise operations between strings", "2.6.0", "O(N)")
        .args(&[string("operation"), key("destkey", 0), key("key", 1).multiple()]),
    doc("bitfield", "Perform arbitrary bitfield integer operations on strings", "3.2.0", "O(1) for each subcommand specified")
        .args(&[
            key("key", 0),
            oneof("operation", &[
                block("encoding_offset", &[string("encoding"), integer("offset")]).token("GET"),
                block("write", &[
                    oneof("wrap_sat_fail", &[
                        pure("wrap", "WRAP"),
                        pure("sat", "SAT"),
                        pure("fail", "FAIL"),
                    ]).token("OVERFLOW").optional(),
                    oneof("write_operation", &[
                        block("encoding_offset_value", &[string("encoding"), integer("offset"), integer("value")])
                            .token("SET"),
                        block("encoding_offset_increment", &[
                            string("encoding"),
                            integer("offset"),
                            integer("increment"),
                        ]).token("INCRBY"),
                    ]),
                ]),
            ]).optional().multiple(),
        ]),
    doc(
        "bitfield_ro",
        "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
        "6.0.0",
        "O(1) for each subcommand specified",
    )
    .args(&[
        key("key", 0),
        block("encoding_offset", &[string("encoding"), integer("offset")])
            .token("GET")
            .optional()
            .multiple()
            .multiple_token(),
    ]),
    doc("lcs", "Find longest common substring", "7.0.0", "O(N*M) where N and M are the lengths of s1 and s2, respectively")
        .args(&[
            key("key1", 0),
            key("key2", 0),
            pure("len", "LEN").optional(),
            pure("idx", "IDX").optional(),
            integer("len").token("MINMATCHLEN").optional(),
            pure("withmatchlen", "WITHMATCHLEN").optional(),
        ]),
    doc("lpush", "Prepend one or multiple elements to a list", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.")
        .history(&[("2.4.0", "Accepts multiple `element` arguments.")])
        .args(&[key("key", 0), string("element").multiple()]),
    doc("rpush", "Append one or multiple elements to a list", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.")
        .history(&[("2.4.0", "Accepts multiple `element` arguments.")])
        .args(&[key("key", 0), string("element").multiple()]),
    doc("lpushx", "Prepend an element to a list, only if the list exists", "2.2.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.")
        .history(&[("4.0.0", "Accepts multiple `element` arguments.")])
        .args(&[key("key", 0), string("element").multiple()]),
    doc("rpushx", "Append an element to a list, only if the list exists", "2.2.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.")
        .history(&[("4.0.0", "Accepts multiple `element` arguments.")])
        .args(&[key("key", 0), string("element").multiple()]),
    doc("lpop", "Remove and get the first elements in a list", "1.0.0", "O(N) where N is the number of elements returned")
        .history(&[("6.2.0", "Added the `count` argument.")])
        .args(&[key("key", 0), integer("count").since("6.2.0").optional()]),
    doc("rpop", "Remove and get the last elements in a list", "1.0.0", "O(N) where N is the number of elements returned")
        .history(&[("6.2.0", "Added the `count` argument.")])
        .args(&[key("key", 0), integer("count").since("6.2.0").optional()]),
    doc("llen", "Get the length of a list", "1.0.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("lrange", "Get a range of elements from a list", "1.0.0", "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.")
        .args(&[key("key", 0), integer("start"), integer("stop")]),
    doc("lindex", "Get an element from a list by its index", "1.0.0", "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).")
        .args(&[key("key", 0), integer("index")]),
    doc("lset", "Set the value of an element in a list by its index", "1.0.0", "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).")
        .args(&[key("key", 0), integer("index"), string("element")]),
    doc("linsert", "Insert an element before or after another element in a list", "2.2.0", "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).")
        .args(&[
            key("key", 0),
            oneof("where", &[
                pure("before", "BEFORE"),
                pure("after", "AFTER"),
            ]),
            string("pivot"),
            string("element"),
        ]),
    doc("lrem", "Remove elements from a list", "1.0.0", "O(N+M) where N is the length of the list and M is the number of elements removed.")
        .args(&[key("key", 0), integer("count"), string("element")]),
    doc("ltrim", "Trim a list to the specified range", "1.0.0", "O(N) where N is the number of elements to be removed by the operation.")
        .args(&[key("key", 0), integer("start"), integer("stop")]),
    doc("lpos", "Return the index of matching elements on a list", "6.0.6", "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.")
        .args(&[
            key("key", 0),
            string("element"),
            integer("rank").token("RANK").optional(),
            integer("num-matches").token("COUNT").optional(),
            integer("len").token("MAXLEN").optional(),
        ]),
    doc("lmove", "Pop an element from a list, push it to another list and return it", "6.2.0", "O(1)")
        .args(&[
            key("source", 0),
            key("destination", 1),
            oneof("wherefrom", &[
                pure("left", "LEFT"),
                pure("right", "RIGHT"),
            ]),
            oneof("whereto", &[
                pure("left", "LEFT"),
                pure("right", "RIGHT"),
            ]),
        ]),
    doc("rpoplpush", "Remove the last element in a list, prepend it to another list and return it", "1.2.0", "O(1)").deprecated().deprecated_since("6.2.0").replaced_by("`LMOVE` with the `RIGHT` and `LEFT` arguments")
        .args(&[key("source", 0), key("destination", 1)]),
    doc("lmpop", "Pop elements from a list", "7.0.0", "O(N+M) where N is the number of provided keys and M is the number of elements returned.")
        .args(&[
            integer("numkeys"),
            key("key", 0).multiple(),
            oneof("where", &[
                pure("left", "LEFT"),
                pure("right", "RIGHT"),
            ]),
            integer("count").token("COUNT").optional(),
        ]),
    doc("blpop", "Remove and get the first element in a list, or block until one is available", "2.0.0", "O(N) where N is the number of provided keys.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[key("key", 0).multiple(), double("timeout")]),
    doc("brpop", "Remove and get the last element in a list, or block until one is available", "2.0.0", "O(N) where N is the number of provided keys.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[key("key", 0).multiple(), double("timeout")]),
    doc("blmove", "Pop an element from a list, push it to another list and return it; or block until one is available", "6.2.0", "O(1)")
        .args(&[
            key("source", 0),
            key("destination", 1),
            oneof("wherefrom", &[
                pure("left", "LEFT"),
                pure("right", "RIGHT"),
            ]),
            oneof("whereto", &[
                pure("left", "LEFT"),
                pure("right", "RIGHT"),
            ]),
            double("timeout"),
        ]),
    doc("brpoplpush", "Pop an element from a list, push it to another list and return it; or block until one is available", "2.2.0", "O(1)").deprecated().deprecated_since("6.2.0").replaced_by("`BLMOVE` with the `RIGHT` and `LEFT` arguments")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[key("source", 0), key("destination", 1), double("timeout")]),
    doc("blmpop", "Pop elements from a list, or block until one is available", "7.0.0", "O(N+M) where N is the number of provided keys and M is the number of elements returned.")
        .args(&[
            double("timeout"),
            integer("numkeys"),
            key("key", 0).multiple(),
            oneof("where", &[
                pure("left", "LEFT"),
                pure("right", "RIGHT"),
            ]),
            integer("count").token("COUNT").optional(),
        ]),
    doc("del", "Delete a key", "1.0.0", "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).")
        .args(&[key("key", 0).multiple()]),
    doc("unlink", "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "4.0.0", "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.")
        .args(&[key("key", 0).multiple()]),
    doc("exists", "Determine if a key exists", "1.0.0", "O(N) where N is the number of keys to check.")
        .history(&[("3.0.3", "Accepts multiple `key` arguments.")])
        .args(&[key("key", 0).multiple()]),
    doc("type", "Determine the type stored at key", "1.0.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("rename", "Rename a key", "1.0.0", "O(1)")
        .args(&[key("key", 0), key("newkey", 1)]),
    doc("renamenx", "Rename a key, only if the new key does not exist", "1.0.0", "O(1)")
        .history(&[
            ("3.2.0", "The command no longer returns an error when source and destination names are the same."),
        ])
        .args(&[key("key", 0), key("newkey", 1)]),
    doc("copy", "Copy a key", "6.2.0", "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.")
        .args(&[
            key("source", 0),
            key("destination", 1),
            integer("destination-db").token("DB").optional(),
            pure("replace", "REPLACE").optional(),
        ]),
    doc("move", "Move a key to another database", "1.0.0", "O(1)")
        .args(&[key("key", 0), integer("db")]),
    doc("swapdb", "Swaps two Redis databases", "4.0.0", "O(N) where N is the count of clients watching or blocking on keys from both databases.")
        .args(&[integer("index1"), integer("index2")]),
    doc("keys", "Find all keys matching the given pattern", "1.0.0", "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.")
        .args(&[pattern("pattern")]),
    doc("scan", "Incrementally iterate the keys space", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.")
        .history(&[("6.0.0", "Added the `TYPE` subcommand.")])
        .args(&[
            integer("cursor"),
            pattern("pattern").token("MATCH").optional(),
            integer("count").token("COUNT").optional(),
            string("type").token("TYPE").since("6.0.0").optional(),
        ]),
    doc("randomkey", "Return a random key from the keyspace", "1.0.0", "O(1)"),
    doc("touch", "Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1", "O(N) where N is the number of keys that will be touched.")
        .args(&[key("key", 0).multiple()]),
    doc("object", "A container for object introspection commands", "2.2.3", "Depends on subcommand."),
    doc("object|encoding", "Inspect the internal encoding of a Redis object", "2.2.3", "O(1)")
        .args(&[key("key", 0)]),
    doc("object|refcount", "Get the number of references to the value of the key", "2.2.3", "O(1)")
        .args(&[key("key", 0)]),
    doc("object|idletime", "Get the time since a Redis object was last accessed", "2.2.3", "O(1)")
        .args(&[key("key", 0)]),
    doc("object|freq", "Get the logarithmic access frequency counter of a Redis object", "4.0.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("object|help", "Show helpful text about the different subcommands", "6.2.0", "O(1)"),
    doc("expire", "Set a key's time to live in seconds", "1.0.0", "O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            key("key", 0),
            integer("seconds"),
            oneof("condition", &[
                pure("nx", "NX"),
                pure("xx", "XX"),
                pure("gt", "GT"),
                pure("lt", "LT"),
            ]).since("7.0.0").optional(),
        ]),
    doc("pexpire", "Set a key's time to live in milliseconds", "2.6.0", "O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            key("key", 0),
            integer("milliseconds"),
            oneof("condition", &[
                pure("nx", "NX"),
                pure("xx", "XX"),
                pure("gt", "GT"),
                pure("lt", "LT"),
            ]).since("7.0.0").optional(),
        ]),
    doc("expireat", "Set the expiration for a key as a UNIX timestamp", "1.2.0", "O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            key("key", 0),
            unix_time("unix-time-seconds"),
            oneof("condition", &[
                pure("nx", "NX"),
                pure("xx", "XX"),
                pure("gt", "GT"),
                pure("lt", "LT"),
            ]).since("7.0.0").optional(),
        ]),
    doc("pexpireat", "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0", "O(1)")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .args(&[
            key("key", 0),
            unix_time("unix-time-milliseconds"),
            oneof("condition", &[
                pure("nx", "NX"),
                pure("xx", "XX"),
                pure("gt", "GT"),
                pure("lt", "LT"),
            ]).since("7.0.0").optional(),
        ]),
    doc("ttl", "Get the time to live for a key in seconds", "1.0.0", "O(1)")
        .history(&[("2.8.0", "Added the -2 reply.")])
        .args(&[key("key", 0)]),
    doc("pttl", "Get the time to live for a key in milliseconds", "2.6.0", "O(1)")
        .history(&[("2.8.0", "Added the -2 reply.")])
        .args(&[key("key", 0)]),
    doc("expiretime", "Get the expiration Unix timestamp for a key", "7.0.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("pexpiretime", "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("persist", "Remove the expiration from a key", "2.2.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("dump", "Return a serialized version of the value stored at the specified key.", "2.6.0", "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).")
        .args(&[key("key", 0)]),
    doc("restore", "Create a key using the provided serialized value, previously obtained using DUMP.", "2.6.0", "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).")
        .history(&[
            ("3.0.0", "Added the `REPLACE` modifier."),
            ("5.0.0", "Added the `ABSTTL` modifier."),
            ("5.0.0", "Added the `IDLETIME` and `FREQ` options."),
        ])
        .args(&[
            key("key", 0),
            integer("ttl"),
            string("serialized-value"),
            pure("replace", "REPLACE").since("3.0.0").optional(),
            pure("absttl", "ABSTTL").since("5.0.0").optional(),
            integer("seconds").token("IDLETIME").since("5.0.0").optional(),
            integer("frequency").token("FREQ").since("5.0.0").optional(),
        ]),
    doc("hset", "Set the string value of a hash field", "2.0.0", "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.")
        .history(&[("4.0.0", "Accepts multiple `field` and `value` arguments.")])
        .args(&[
            key("key", 0),
            block("field_value", &[
                string("field"),
                string("value"),
            ]).multiple(),
        ]),
    doc("hsetnx", "Set the value of a hash field, only if the field does not exist", "2.0.0", "O(1)")
        .args(&[key("key", 0), string("field"), string("value")]),
    doc("hget", "Get the value of a hash field", "2.0.0", "O(1)")
        .args(&[key("key", 0), string("field")]),
    doc("hmget", "Get the values of all the given hash fields", "2.0.0", "O(N) where N is the number of fields being requested.")
        .args(&[key("key", 0), string("field").multiple()]),
    doc("hmset", "Set multiple hash fields to multiple values", "2.0.0", "O(N) where N is the number of fields being set.").deprecated().deprecated_since("4.0.0").replaced_by("`HSET` with multiple field-value pairs")
        .args(&[
            key("key", 0),
            block("field_value", &[
                string("field"),
                string("value"),
            ]).multiple(),
        ]),
    doc("hdel", "Delete one or more hash fields", "2.0.0", "O(N) where N is the number of fields to be removed.")
        .history(&[("2.4.0", "Accepts multiple `field` arguments.")])
        .args(&[key("key", 0), string("field").multiple()]),
    doc("hlen", "Get the number of fields in a hash", "2.0.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("hstrlen", "Get the length of the value of a hash field", "3.2.0", "O(1)")
        .args(&[key("key", 0), string("field")]),
    doc("hexists", "Determine if a hash field exists", "2.0.0", "O(1)")
        .args(&[key("key", 0), string("field")]),
    doc("hkeys", "Get all the fields in a hash", "2.0.0", "O(N) where N is the size of the hash.")
        .args(&[key("key", 0)]),
    doc("hvals", "Get all the values in a hash", "2.0.0", "O(N) where N is the size of the hash.")
        .args(&[key("key", 0)]),
    doc("hgetall", "Get all the fields and values in a hash", "2.0.0", "O(N) where N is the size of the hash.")
        .args(&[key("key", 0)]),
    doc("hincrby", "Increment the integer value of a hash field by the given number", "2.0.0", "O(1)")
        .args(&[key("key", 0), string("field"), integer("increment")]),
    doc("hincrbyfloat", "Increment the float value of a hash field by the given amount", "2.6.0", "O(1)")
        .args(&[key("key", 0), string("field"), double("increment")]),
    doc("hrandfield", "Get one or multiple random fields from a hash", "6.2.0", "O(N) where N is the number of fields returned")
        .args(&[
            key("key", 0),
            block("options", &[
                integer("count"),
                pure("withvalues", "WITHVALUES").optional(),
            ]).optional(),
        ]),
    doc("hscan", "Incrementally iterate hash fields and associated values", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..")
        .args(&[
            key("key", 0),
            integer("cursor"),
            pattern("pattern").token("MATCH").optional(),
            integer("count").token("COUNT").optional(),
        ]),
    doc("sadd", "Add one or more members to a set", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.")
        .history(&[("2.4.0", "Accepts multiple `member` arguments.")])
        .args(&[key("key", 0), string("member").multiple()]),
    doc("srem", "Remove one or more members from a set", "1.0.0", "O(N) where N is the number of members to be removed.")
        .history(&[("2.4.0", "Accepts multiple `member` arguments.")])
        .args(&[key("key", 0), string("member").multiple()]),
    doc("scard", "Get the number of members in a set", "1.0.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("sismember", "Determine if a given value is a member of a set", "1.0.0", "O(1)")
        .args(&[key("key", 0), string("member")]),
    doc("smismember", "Returns the membership associated with the given elements for a set", "6.2.0", "O(N) where N is the number of elements being checked for membership")
        .args(&[key("key", 0), string("member").multiple()]),
    doc("smembers", "Get all the members in a set", "1.0.0", "O(N) where N is the set cardinality.")
        .args(&[key("key", 0)]),
    doc("spop", "Remove and return one or multiple random members from a set", "1.0.0", "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.")
        .history(&[("3.2.0", "Added the `count` argument.")])
        .args(&[key("key", 0), integer("count").since("3.2.0").optional()]),
    doc("srandmember", "Get one or multiple random members from a set", "1.0.0", "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.")
        .history(&[("2.6.0", "Added the optional `count` argument.")])
        .args(&[key("key", 0), integer("count").since("2.6.0").optional()]),
    doc("smove", "Move a member from one set to another", "1.0.0", "O(1)")
        .args(&[key("source", 0), key("destination", 1), string("member")]),
    doc("sinter", "Intersect multiple sets", "1.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.")
        .args(&[key("key", 0).multiple()]),
    doc("sinterstore", "Intersect multiple sets and store the resulting set in a key", "1.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.")
        .args(&[key("destination", 0), key("key", 1).multiple()]),
    doc("sunion", "Add multiple sets", "1.0.0", "O(N) where N is the total number of elements in all given sets.")
        .args(&[key("key", 0).multiple()]),
    doc("sunionstore", "Add multiple sets and store the resulting set in a key", "1.0.0", "O(N) where N is the total number of elements in all given sets.")
        .args(&[key("destination", 0), key("key", 1).multiple()]),
    doc("sdiff", "Subtract multiple sets", "1.0.0", "O(N) where N is the total number of elements in all given sets.")
        .args(&[key("key", 0).multiple()]),
    doc("sdiffstore", "Subtract multiple sets and store the resulting set in a key", "1.0.0", "O(N) where N is the total number of elements in all given sets.")
        .args(&[key("destination", 0), key("key", 1).multiple()]),
    doc("sintercard", "Intersect multiple sets and return the cardinality of the result", "7.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.")
        .args(&[integer("numkeys"), key("key", 0).multiple(), integer("limit").token("LIMIT").optional()]),
    doc("sscan", "Incrementally iterate Set elements", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..")
        .args(&[
            key("key", 0),
            integer("cursor"),
            pattern("pattern").token("MATCH").optional(),
            integer("count").token("COUNT").optional(),
        ]),
    doc("zadd", "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0", "O(log(N)) for each item added, where N is the number of elements in the sorted set.")
        .history(&[
            ("2.4.0", "Accepts multiple elements."),
            ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."),
            ("6.2.0", "Added the `GT` and `LT` options."),
        ])
        .args(&[
            key("key", 0),
            oneof("condition", &[
                pure("nx", "NX"),
                pure("xx", "XX"),
            ]).since("3.0.2").optional(),
            oneof("comparison", &[
                pure("gt", "GT"),
                pure("lt", "LT"),
            ]).since("6.2.0").optional(),
            pure("change", "CH").since("3.0.2").optional(),
            pure("increment", "INCR").since("3.0.2").optional(),
            block("score_member", &[
                double("score"),
                string("member"),
            ]).multiple(),
        ]),
    doc("zincrby", "Increment the score of a member in a sorted set", "1.2.0", "O(log(N)) where N is the number of elements in the sorted set.")
        .args(&[key("key", 0), integer("increment"), string("member")]),
    doc("zrem", "Remove one or more members from a sorted set", "1.2.0", "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.")
        .history(&[("2.4.0", "Accepts multiple elements.")])
        .args(&[key("key", 0), string("member").multiple()]),
    doc("zcard", "Get the number of members in a sorted set", "1.2.0", "O(1)")
        .args(&[key("key", 0)]),
    doc("zscore", "Get the score associated with the given member in a sorted set", "1.2.0", "O(1)")
        .args(&[key("key", 0), string("member")]),
    doc("zmscore", "Get the score associated with the given members in a sorted set", "6.2.0", "O(N) where N is the number of members being requested.")
        .args(&[key("key", 0), string("member").multiple()]),
    doc("zrank", "Determine the index of a member in a sorted set", "2.0.0", "O(log(N))")
        .args(&[key("key", 0), string("member")]),
    doc("zrevrank", "Determine the index of a member in a sorted set, with scores ordered from high to low", "2.0.0", "O(log(N))")
        .args(&[key("key", 0), string("member")]),
    doc("zcount", "Count the members in a sorted set with scores within the given values", "2.0.0", "O(log(N)) with N being the number of elements in the sorted set.")
        .args(&[key("key", 0), double("min"), double("max")]),
    doc("zlexcount", "Count the number of members in a sorted set between a given lexicographical range", "2.8.9", "O(log(N)) with N being the number of elements in the sorted set.")
        .args(&[key("key", 0), string("min"), string("max")]),
    doc("zrange", "Return a range of members in a sorted set", "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.")
        .history(&[("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")])
        .args(&[
            key("key", 0),
            string("start"),
            string("stop"),
            oneof("sortby", &[
                pure("byscore", "BYSCORE"),
                pure("bylex", "BYLEX"),
            ]).since("6.2.0").optional(),
            pure("rev", "REV").since("6.2.0").optional(),
            block("offset_count", &[
                integer("offset"),
                integer("count"),
            ]).token("LIMIT").since("6.2.0").optional(),
            pure("withscores", "WITHSCORES").optional(),
        ]),
    doc("zrangestore", "Store a range of members from sorted set into another key", "6.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.")
        .args(&[
            key("dst", 0),
            key("src", 1),
            string("min"),
            string("max"),
            oneof("sortby", &[
                pure("byscore", "BYSCORE"),
                pure("bylex", "BYLEX"),
            ]).optional(),
            pure("rev", "REV").optional(),
            block("offset_count", &[
                integer("offset"),
                integer("count"),
            ]).token("LIMIT").optional(),
        ]),
    doc("zrevrange", "Return a range of members in a sorted set, by index, with scores ordered from high to low", "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.").deprecated().deprecated_since("6.2.0").replaced_by("`ZRANGE` with the `REV` argument")
        .args(&[key("key", 0), integer("start"), integer("stop"), pure("withscores", "WITHSCORES").optional()]),
    doc("zrangebyscore", "Return a range of members in a sorted set, by score", "1.0.5", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).").deprecated().deprecated_since("6.2.0").replaced_by("`ZRANGE` with the `BYSCORE` argument")
        .history(&[("2.0.0", "Added the `WITHSCORES` modifier.")])
        .args(&[
            key("key", 0),
            double("min"),
            double("max"),
            pure("withscores", "WITHSCORES").since("2.0.0").optional(),
            block("offset_count", &[
                integer("offset"),
                integer("count"),
            ]).token("LIMIT").optional(),
        ]),
    doc("zrevrangebyscore", "Return a range of members in a sorted set, by score, with scores ordered from high to low", "2.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).").deprecated().deprecated_since("6.2.0").replaced_by("`ZRANGE` with the `REV` and `BYSCORE` arguments")
        .history(&[("2.1.6", "`min` and `max` can be exclusive.")])
        .args(&[
            key("key", 0),
            double("max"),
            double("min"),
            pure("withscores", "WITHSCORES").optional(),
            block("offset_count", &[
                integer("offset"),
                integer("count"),
            ]).token("LIMIT").optional(),
        ]),
    doc("zrangebylex", "Return a range of members in a sorted set, by lexicographical range", "2.8.9", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).").deprecated().deprecated_since("6.2.0").replaced_by("`ZRANGE` with the `BYLEX` argument")
        .args(&[
            key("key", 0),
            string("min"),
            string("max"),
            block("offset_count", &[
                integer("offset"),
                integer("count"),
            ]).token("LIMIT").optional(),
        ]),
    doc("zrevrangebylex", "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", "2.8.9", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).").deprecated().deprecated_since("6.2.0").replaced_by("`ZRANGE` with the `REV` and `BYLEX` arguments")
        .args(&[
            key("key", 0),
            string("max"),
            string("min"),
            block("offset_count", &[
                integer("offset"),
                integer("count"),
            ]).token("LIMIT").optional(),
        ]),
    doc("zremrangebyrank", "Remove all members in a sorted set within the given indexes", "2.0.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.")
        .args(&[key("key", 0), integer("start"), integer("stop")]),
    doc("zremrangebyscore", "Remove all members in a sorted set within the given scores", "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.")
        .args(&[key("key", 0), double("min"), double("max")]),
    doc("zremrangebylex", "Remove all members in a sorted set between the given lexicographical range", "2.8.9", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.")
        .args(&[key("key", 0), string("min"), string("max")]),
    doc("zpopmin", "Remove and return members with the lowest scores in a sorted set", "5.0.0", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.")
        .args(&[key("key", 0), integer("count").optional()]),
    doc("zpopmax", "Remove and return members with the highest scores in a sorted set", "5.0.0", "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.")
        .args(&[key("key", 0), integer("count").optional()]),
    doc("bzpopmin", "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", "5.0.0", "O(log(N)) with N being the number of elements in the sorted set.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[key("key", 0).multiple(), double("timeout")]),
    doc("bzpopmax", "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", "5.0.0", "O(log(N)) with N being the number of elements in the sorted set.")
        .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
        .args(&[key("key", 0).multiple(), double("timeout")]),
    doc("zmpop", "Remove and return members with scores in a sorted set", "7.0.0", "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.")
        .args(&[
            integer("numkeys"),
            key("key", 0).multiple(),
            oneof("where", &[
                pure("min", "MIN"),
                pure("max", "MAX"),
            ]),
            integer("count").token("COUNT").optional(),
        ]),
    doc("bzmpop", "Remove and return members with scores in a sorted set or block until one is available", "7.0.0", "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.")
        .args(&[
            double("timeout"),
            integer("numkeys"),
            key("key", 0).multiple(),
            oneof("where", &[
                pure("min", "MIN"),
                pure("max", "MAX"),
            ]),
            integer("count").token("COUNT").optional(),
        ]),
    doc("zunion", "Add multiple sorted sets", "6.2.0", "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.")
        .args(&[
            integer("numkeys"),
            key("key", 0).multiple(),
            integer("weight").token("WEIGHTS").optional().multiple(),
            oneof("aggregate", &[
                pure("sum", "SUM"),
                pure("min", "MIN"),
                pure("max", "MAX"),
            ]).token("AGGREGATE").optional(),
            pure("withscores", "WITHSCORES").optional(),
        ]),
    doc("zunionstore", "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.")
        .args(&[
            key("destination", 0),
            integer("numkeys"),
            key("key", 1).multiple(),
            integer("weight").token("WEIGHTS").optional().multiple(),
            oneof("aggregate", &[
                pure("sum", "SUM"),
                pure("min", "MIN"),
                pure("max", "MAX"),
            ]).token("AGGREGATE").optional(),
        ]),
    doc("zinter", "Intersect multiple sorted sets", "6.2.0", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.")
        .args(&[
            integer("numkeys"),
            key("key", 0).multiple(),
            integer("weight").token("WEIGHTS").optional().multiple(),
            oneof("aggregate", &[
                pure("sum", "SUM"),
                pure("min", "MIN"),
                pure("max", "MAX"),
            ]).token("AGGREGATE").optional(),
            pure("withscores", "WITHSCORES").optional(),
        ]),
    doc("zinterstore", "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.")
        .args(&[
            key("destination", 0),
            integer("numkeys"),
            key("key", 1).multiple(),
            integer("weight").token("WEIGHTS").optional().multiple(),
            oneof("aggregate", &[
                pure("sum", "SUM"),
                pure("min", "MIN"),
                pure("max", "MAX"),
            ]).token("AGGREGATE").optional(),
        ]),
    doc("zintercard", "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0", "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.")
        .args(&[integer("numkeys"), key("key", 0).multiple(), integer("limit").token("LIMIT").optional()]),
    doc("zdiff", "Subtract multiple sorted sets", "6.2.0", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.")
        .args(&[integer("numkeys"), key("key", 0).multiple(), pure("withscores", "WITHSCORES").optional()]),
    doc("zdiffstore", "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.")
        .args(&[key("destination", 0), integer("numkeys"), key("key", 1).multiple()]),
    doc("zrandmember", "Get one or multiple random elements from a sorted set", "6.2.0", "O(N) where N is the number of elements returned")
        .args(&[
            key("key", 0),
            block("options", &[
                integer("count"),
                pure("withscores", "WITHSCORES").optional(),
            ]).optional(),
        ]),
    doc("zscan", "Incrementally iterate sorted sets elements and associated scores", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..")
        .args(&[
            key("key", 0),
            integer("cursor"),
            pattern("pattern").token("MATCH").optional(),
            integer("count").token("COUNT").optional(),
        ]),
    doc("geoadd", "Add one or more geospatial items in the geospatial index represented using a sorted set", "3.2.0", "O(log(N)) for each item added, where N is the number of elements in the sorted set.")
        .history(&[("6.2.0", "Added the `CH`, `NX` and `XX` options.")])
        .args(&[
            key("key", 0),
            oneof("condition", &[
                pure("nx", "NX"),
                pure("xx", "XX"),
            ]).since("6.2.0").optional(),
            pure("change", "CH").since("6.2.0").optional(),
            block("longitude_latitude_member", &[
                double("longitude"),
                double("latitude"),
                string("member"),
            ]).multiple(),
        ]),
    doc("geodist", "Returns the distance between two members of a geospatial index", "3.2.0", "O(log(N))")
        .args(&[
            key("key", 0),
            string("member1"),
            string("member2"),
            oneof("unit", &[
                pure("m", "M"),
                pure("km", "KM"),
                pure("ft", "FT"),
                pure("mi", "MI"),
            ]).optional(),
        ]),
    doc("geohash", "Returns members of a geospatial index as standard geohash strings", "3.2.0", "O(log(N)) for each member requested, where N is the number of elements in the sorted set.")
        .args(&[key("key", 0), string("member").multiple()]),
    doc("geopos", "Returns longitude and latitude of members of a geospatial index", "3.2.0", "O(N) where N is the number of members requested.")
        .args(&[key("key", 0), string("member").multiple()]),
    doc("georadius", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", "3.2.0", "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.").deprecated().deprecated_since("6.2.0").replaced_by("`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument")
        .history(&[
            ("6.2.0", "Added the `ANY` option for `COUNT`."),
            ("7.0.0", "Added support for uppercase unit names."),
        ])
        .args(&[
            key("key", 0),
            double("longitude"),
            double("latitude"),
            double("radius"),
            oneof("unit", &[
                pure("m", "M"),
                pure("km", "KM"),
                pure("ft", "FT"),
                pure("mi", "MI"),
            ]),
            pure("withcoord", "WITHCOORD").optional(),
            pure("withdist", "WITHDIST").optional(),
            pure("withhash", "WITHHASH").optional(),
            block("count", &[
                integer("count").token("COUNT"),
                pure("any", "ANY").since("6.2.0").optional(),
            ]).optional(),
            oneof("order", &[
                pure("asc", "ASC"),
                pure("desc", "DESC"),
            ]).optional(),
            key("key", 1).token("STORE").optional(),
            key("key", 2).token("STOREDIST").optional(),
        ]),
    doc("georadius_ro", "A read-only variant for GEORADIUS", "3.2.10", "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.").deprecated().deprecated_since("6.2.0").replaced_by("`GEOSEARCH` with the `BYRADIUS` argument")
        .history(&[("6.2.0", "Added the `ANY` option for `COUNT`.")])
        .args(&[
            key("key", 0),
            double("longitude"),
            double("latitude"),
            double("radius"),
            oneof("unit", &[
                pure("m", "M"),
                pure("km", "KM"),
                pure("ft", "FT"),
                pure("mi", "MI"),
            ]),
            pure("withcoord", "WITHCOORD").optional(),
            pure("withdist", "WITHDIST").optional(),
            pure("withhash", "WITHHASH").optional(),
            block("count", &[
                integer("count").token("COUNT"),
                pure("any", "ANY").since("6.2.0").optional(),
            ]).optional(),
            oneof("order", &[
                pure("asc", "ASC"),
                pure("desc", "DESC"),
            ]).optional(),
        ]),
    doc("georadiusbymember", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", "3.2.0", "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.").deprecated().deprecated_since("6.2.0").replaced_by("`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments")
        .history(&[("7.0.0", "Added support for uppercase unit names.")])
        .args(&[
            key("key", 0),
            string("member"),
            double("radius"),
            oneof("unit", &[
                pure("m", "M"),
                pure("km", "KM"),
                pure("ft", "FT"),
                pure("mi", "MI"),
            ]),
            pure("withcoord", "WITHCOORD").optional(),
            pure("withdist", "WITHDIST").optional(),
            pure("withhash", "WITHHASH").optional(),
            block("count", &[
                integer("count").token("COUNT"),
                pure("any", "ANY").optional(),
            ]).optional(),
            oneof("order", &[
                pure("asc", "ASC"),
                pure("desc", "DESC"),
            ]).optional(),
            key("key", 1).token("STORE").optional(),
            key("key", 2).token("STOREDIST").optional(),
        ]),
    doc("georadiusbymember_ro", "A read-only variant for GEORADIUSBYMEMBER", "3.2.10", "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index.").deprecated().deprecated_since("6.2.0").replaced_by("`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments")
        .args(&[
            key("key", 0),
            string("member"),
            double("radius"),
            oneof("unit", &[
                pure("m", "M"),
                pure("km", "KM"),
                pure("ft", "FT"),
                pure("mi", "MI"),
            ]),
            pure("withcoord", "WITHCOORD").optional(),
            pure("withdist", "WITHDIST").optional(),
            pure("withhash", "WITHHASH").optional(),
            block("count", &[
                integer("count").token("COUNT"),
                pure("any", "ANY").optional(),
            ]).optional(),
            oneof("order", &[
                pure("asc", "ASC"),
                pure("desc", "DESC"),
            ]).optional(),
        ]),
    doc("geosearch", "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", "6.2.0", "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape")
        .history(&[("7.0.0", "Added support for uppercase unit names.")])
        .args(&[
            key("key", 0),
            oneof("from", &[
                string("member").token("FROMMEMBER"),
                block("longitude_latitude", &[
                    double("longitude"),
                    double("latitude"),
                ]).token("FROMLONLAT"),
            ]),
            oneof("by", &[
                block("circle", &[
                    double("radius").token("BYRADIUS"),
                    oneof("unit", &[
                        pure("m", "M"),
                        pure("km", "KM"),
                        pure("ft", "FT"),
                        pure("mi", "MI"),
                    ]),
                ]),
                block("box", &[
                    double("width").token("BYBOX"),
                    double("height"),
                    oneof("unit", &[
                        pure("m", "M"),
                        pure("km", "KM"),
                        pure("ft", "FT"),
                        pure("mi", "MI"),
                    ]),
                ]),
            ]),
            oneof("order", &[
                pure("asc", "ASC"),
                pure("desc", "DESC"),
            ]).optional(),
            block("count", &[
                integer("count").token("COUNT"),
                pure("any", "ANY").optional(),
            ]).optional(),
            pure("withcoord", "WITHCOORD").optional(),
            pure("withdist", "WITHDIST").optional(),
            pure("withhash", "WITHHASH").optional(),
        ]),
    doc("geosearchstore", "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", "6.2.0", "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape")
        .history(&[("7.0.0", "Added support for uppercase unit names.")])
        .args(&[
            key("destination", 0),
            key("source", 1),
            oneof("from", &[
                string("member").token("FROMMEMBER"),
                block("longitude_latitude", &[
                    double("longitude"),
                    double("latitude"),
                ]).token("FROMLONLAT"),
            ]),
            oneof("by", &[
                block("circle", &[
                    double("radius").token("BYRADIUS"),
                    oneof("unit", &[
                        pure("m", "M"),
                        pure("km", "KM"),
                        pure("ft", "FT"),
                        pure("mi", "MI"),
                    ]),
                ]),
                block("box", &[
                    double("width").token("BYBOX"),
                    double("height"),
                    oneof("unit", &[
                        pure("m", "M"),
                        pure("km", "KM"),
                        pure("ft", "FT"),
                        pure("mi", "MI"),
                    ]),
                ]),
            ]),
            oneof("order", &[
                pure("asc", "ASC"),
                pure("desc", "DESC"),
            ]).optional(),
            block("count", &[
                integer("count").token("COUNT"),
                pure("any", "ANY").optional(),
            ]).optional(),
            pure("storedist", "STOREDIST").optional(),
        ]),
    doc("sort", "Sort the elements in a list, set or sorted set", "1.0.0", "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).")
        .args(&[
            key("key", 0),
            Arg { key_spec_index: 1, ..pattern("pattern") }.token("BY").optional(),
            block("offset_count", &[
                integer("offset"),
                integer("count"),
            ]).token("LIMIT").optional(),
            Arg { key_spec_index: 1, ..pattern("pattern") }.token("GET").optional().multiple().multiple_token(),
            oneof("order", &[
                pure("asc", "ASC"),
                pure("desc", "DESC"),
            ]).optional(),
            pure("sorting", "ALPHA").optional(),
            key("destination", 2).token("STORE").optional(),
        ]),
    doc("sort_ro", "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0", "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).")
        .args(&[
            key("key", 0),
            Arg { key_spec_index: 1, ..pattern("pattern") }.token("BY").optional(),
            block("offset_count", &[
                integer("offset"),
                integer("count"),
            ]).token("LIMIT").optional(),
            Arg { key_spec_index: 1, ..pattern("pattern") }.token("GET").optional().multiple().multiple_token(),
            oneof("order", &[
                pure("asc", "ASC"),
                pure("desc", "DESC"),
            ]).optional(),
            pure("sorting", "ALPHA").optional(),
        ]),
    doc("pfadd", "Adds the specified elements to the specified HyperLogLog.", "2.8.9", "O(1) to add every element.")
        .args(&[key("key", 0), string("element").optional().multiple()]),
    doc("pfcount", "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", "2.8.9", "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.")
        .args(&[key("key", 0).multiple()]),
    doc("pfmerge", "Merge N different HyperLogLogs into a single one.", "2.8.9", "O(N) to merge N HyperLogLogs, but with high constant times.")
        .args(&[key("destkey", 0), key("sourcekey", 1).multiple()]),
    doc("pfdebug", "Internal commands for debugging HyperLogLog values", "2.8.9", "N/A").syscmd()
        .args(&[string("subcommand"), key("key", 0)]),
    doc("pfselftest", "An internal command for testing HyperLogLog values", "2.8.9", "N/A").syscmd(),
    doc("info", "Get information and statistics about the server", "1.0.0", "O(1)")
        .history(&[("7.0.0", "Added support for taking multiple section arguments.")])
        .args(&[string("section").optional().multiple()]),
    doc("dbsize", "Return the number of keys in the selected database", "1.0.0", "O(1)"),
    doc("flushdb", "Remove all keys from the current database", "1.0.0", "O(N) where N is the number of keys in the selected database")
        .history(&[
            ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
            ("6.2.0", "Added the `SYNC` flushing mode modifier."),
        ])
        .args(&[
            oneof("async", &[
                pure("async", "ASYNC").since("4.0.0"),
                pure("sync", "SYNC").since("6.2.0"),
            ]).optional(),
        ]),
    doc("flushall", "Remove all keys from all databases", "1.0.0", "O(N) where N is the total number of keys in all databases")
        .history(&[
            ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
            ("6.2.0", "Added the `SYNC` flushing mode modifier."),
        ])
        .args(&[
            oneof("async", &[
                pure("async", "ASYNC").since("4.0.0"),
                pure("sync", "SYNC").since("6.2.0"),
            ]).optional(),
        ]),
    doc("config", "A container for server configuration commands", "2.0.0", "Depends on subcommand."),
    doc("config|get", "Get the values of configuration parameters", "2.0.0", "O(N) when N is the number of configuration parameters provided")
        .history(&[("7.0.0", "Added the ability to pass multiple pattern parameters in one call")])
        .args(&[
            block("parameter", &[
                string("parameter"),
            ]).multiple(),
        ]),
    doc("config|set", "Set configuration parameters to the given values", "2.0.0", "O(N) when N is the number of configuration parameters provided")
        .history(&[("7.0.0", "Added the ability to set multiple parameters in one call.")])
        .args(&[
            block("parameter_value", &[
                string("parameter"),
                string("value"),
            ]).multiple(),
        ]),
    doc("config|resetstat", "Reset the stats returned by INFO", "2.0.0", "O(1)"),
    doc("config|rewrite", "Rewrite the configuration file with the in memory configuration", "2.8.0", "O(1)"),
    doc("config|help", "Show helpful text about the different subcommands", "5.0.0", "O(1)"),
    doc("time", "Return the current server time", "2.6.0", "O(1)"),
    doc("shutdown", "Synchronously save the dataset to disk and then shut down the server", "1.0.0", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)")
        .history(&[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")])
        .args(&[
            oneof("nosave_save", &[
                pure("nosave", "NOSAVE"),
                pure("save", "SAVE"),
            ]).optional(),
            pure("now", "NOW").since("7.0.0").optional(),
            pure("force", "FORCE").since("7.0.0").optional(),
            pure("abort", "ABORT").since("7.0.0").optional(),
        ]),
    doc("debug", "A container for debugging commands", "1.0.0", "Depends on subcommand.").syscmd(),
    doc("monitor", "Listen for all requests received by the server in real time", "1.0.0", ""),
    doc("slowlog", "A container for slow log commands", "2.2.12", "Depends on subcommand."),
    doc("slowlog|get", "Get the slow log's entries", "2.2.12", "O(N) where N is the number of entries returned")
        .history(&[("4.0.0", "Added client IP address, port and name to the reply.")])
        .args(&[integer("count").optional()]),
    doc("slowlog|len", "Get the slow log's length", "2.2.12", "O(1)"),
    doc("slowlog|reset", "Clear all entries from the slow log", "2.2.12", "O(N) where N is the number of entries in the slowlog"),
    doc("slowlog|help", "Show helpful text about the different subcommands", "6.2.0", "O(1)"),
    doc("module", "A container for module commands", "4.0.0", "Depends on subcommand."),
    doc("module|help", "Show helpful text about the different subcommands", "5.0.0", "O(1)"),
    doc("module|list", "List all modules loaded by the server", "4.0.0", "O(N) where N is the number of loaded modules."),
    doc("module|load", "Load a module", "4.0.0", "O(1)")
        .args(&[string("path"), string("arg").optional().multiple()]),
    doc("module|loadex", "Load a module with extended parameters", "7.0.0", "O(1)")
        .args(&[
            string("path"),
            block("configs", &[
                string("name"),
                string("value"),
            ]).token("CONFIG").optional().multiple().multiple_token(),
            block("args", &[
                string("arg"),
            ]).token("ARGS").optional().multiple(),
        ]),
    doc("module|unload", "Unload a module", "4.0.0", "O(1)")
        .args(&[string("name")]),
    doc("latency", "A container for latency diagnostics commands", "2.8.13", "Depends on subcommand."),
    doc("latency|latest", "Return the latest latency samples for all events.", "2.8.13", "O(1)"),
    doc("latency|reset", "Reset latency data for one or more events.", "2.8.13", "O(1)")
        .args(&[string("event").optional().multiple()]),
    doc("latency|history", "Return timestamp-latency samples for the event.", "2.8.13", "O(1)")
        .args(&[string("event")]),
    doc("latency|histogram", "Return the cumulative distribution of latencies of a subset of commands or all.", "7.0.0", "O(N) where N is the number of commands with latency information being retrieved.")
        .args(&[string("command").optional().multiple()]),
    doc("latency|help", "Show helpful text about the different subcommands.", "2.8.13", "O(1)"),
    doc("command", "Get array of Redis command details", "2.8.13", "O(N) where N is the total number of Redis commands"),
    doc("command|count", "Get total number of Redis commands", "2.8.13", "O(1)"),
    doc("command|info", "Get array of specific Redis command details, or all when no argument is given.", "2.8.13", "O(N) where N is the number of commands to look up")
        .history(&[("7.0.0", "Allowed to be called with no argument to get info on all commands.")])
        .args(&[string("command-name").optional().multiple()]),
    doc("command|docs", "Get array of specific Redis command documentation", "7.0.0", "O(N) where N is the number of commands to look up")
        .args(&[string("command-name").optional().multiple()]),
    doc("command|getkeys", "Extract keys given a full Redis command", "2.8.13", "O(N) where N is the number of arguments to the command"),
    doc("command|getkeysandflags", "Extract keys and access flags given a full Redis command", "7.0.0", "O(N) where N is the number of arguments to the command"),
    doc("command|list", "Get an array of Redis command names", "7.0.0", "O(N) where N is the total number of Redis commands")
        .args(&[
            oneof("filterby", &[
                string("module-name").token("MODULE"),
                string("category").token("ACLCAT"),
                pattern("pattern").token("PATTERN"),
            ]).token("FILTERBY").optional(),
        ]),
    doc("command|help", "Show helpful text about the different subcommands", "5.0.0", "O(1)"),
    doc("lastsave", "Get the UNIX time stamp of the last successful save to disk", "1.0.0", "O(1)"),
    doc("save", "Synchronously save the dataset to disk", "1.0.0", "O(N) where N is the total number of keys in all databases"),
    doc("bgsave", "Asynchronously save the dataset to disk", "1.0.0", "O(1)")
        .history(&[("3.2.2", "Added the `SCHEDULE` option.")])
        .args(&[pure("schedule", "SCHEDULE").since("3.2.2").optional()]),
    doc("bgrewriteaof", "Asynchronously rewrite the append-only file", "1.0.0", "O(1)"),
    doc("memory", "A container for memory diagnostics commands", "4.0.0", "Depends on subcommand."),
    doc("memory|doctor", "Outputs memory problems report", "4.0.0", "O(1)"),
    doc("memory|help", "Show helpful text about the different subcommands", "4.0.0", "O(1)"),
    doc("memory|malloc-stats", "Show allocator internal stats", "4.0.0", "Depends on how much memory is allocated, could be slow"),
    doc("memory|purge", "Ask the allocator to release memory", "4.0.0", "Depends on how much memory is allocated, could be slow"),
    doc("memory|stats", "Show memory usage details", "4.0.0", "O(1)"),
    doc("memory|usage", "Estimate the memory usage of a key", "4.0.0", "O(N) where N is the number of samples.")
        .args(&[key("key", 0), integer("count").token("SAMPLES").optional()]),
    doc("multi", "Mark the start of a transaction block", "1.2.0", "O(1)"),
    doc("exec", "Execute all commands issued after MULTI", "1.2.0", "Depends on commands in the transaction"),
    doc("discard", "Discard all commands issued after MULTI", "2.0.0", "O(N), when N is the number of queued commands"),
    doc("watch", "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0", "O(1) for every key.")
        .args(&[key("key", 0).multiple()]),
    doc("unwatch", "Forget about all watched keys", "2.2.0", "O(1)"),
    doc("subscribe", "Listen for messages published to the given channels", "2.0.0", "O(N) where N is the number of channels to subscribe to.")
        .args(&[string("channel").multiple()]),
    doc("psubscribe", "Listen for messages published to channels matching the given patterns", "2.0.0", "O(N) where N is the number of patterns the client is already subscribed to.")
        .args(&[
            block("pattern", &[
                pattern("pattern"),
            ]).multiple(),
        ]),
    doc("ssubscribe", "Listen for messages published to the given shard channels", "7.0.0", "O(N) where N is the number of shard channels to subscribe to.")
        .args(&[string("shardchannel").multiple()]),
    doc("unsubscribe", "Stop listening for messages posted to the given channels", "2.0.0", "O(N) where N is the number of clients already subscribed to a channel.")
        .args(&[string("channel").optional().multiple()]),
    doc("punsubscribe", "Stop listening for messages posted to channels matching the given patterns", "2.0.0", "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).")
        .args(&[pattern("pattern").optional().multiple()]),
    doc("sunsubscribe", "Stop listening for messages posted to the given shard channels", "7.0.0", "O(N) where N is the number of clients already subscribed to a shard channel.")
        .args(&[string("shardchannel").optional().multiple()]),
    doc("publish", "Post a message to a channel", "2.0.0", "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).")
        .args(&[string("channel"), string("message")]),
    doc("spublish", "Post a message to a shard channel", "7.0.0", "O(N) where N is the number of clients subscribed to the receiving shard channel.")
        .args(&[string("shardchannel"), string("message")]),
    doc("pubsub", "A container for Pub/Sub commands", "2.8.0", "Depends on subcommand."),
    doc("pubsub|channels", "List active channels", "2.8.0", "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)")
        .args(&[pattern("pattern").optional()]),
    doc("pubsub|numsub", "Get the count of subscribers for channels", "2.8.0", "O(N) for the NUMSUB subcommand, where N is the number of requested channels")
        .args(&[string("channel").optional().multiple()]),
    doc("pubsub|numpat", "Get the count of unique patterns pattern subscriptions", "2.8.0", "O(1)"),
    doc("pubsub|shardchannels", "List active shard channels", "7.0.0", "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).")
        .args(&[pattern("pattern").optional()]),
    doc("pubsub|shardnumsub", "Get the count of subscribers for shard channels", "7.0.0", "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels")
        .args(&[string("shardchannel").optional().multiple()]),
    doc("pubsub|help", "Show helpful text about the different subcommands", "6.2.0", "O(1)"),
    // replication
    doc("replconf", "An internal command for configuring the replication stream", "3.0.0", "O(1)").syscmd(),
    doc("psync", "Internal command used for replication", "2.8.0", "")
        .args(&[string("replicationid"), integer("offset")]),
    doc("sync", "Internal command used for replication", "1.0.0", ""),
    doc("failover", "Start a coordinated failover between this server and one of its replicas.", "6.2.0", "O(1)")
        .args(&[
            block("target", &[
                string("host"),
                integer("port"),
                pure("force", "FORCE").optional(),
            ]).token("TO").optional(),
            pure("abort", "ABORT").optional(),
            integer("milliseconds").token("TIMEOUT").optional(),
        ]),
    doc("replicaof", "Make the server a replica of another instance, or promote it as master.", "5.0.0", "O(1)")
        .args(&[
            oneof("args", &[
                block("host-port", &[
                    string("host"),
                    integer("port"),
                ]),
                block("no-one", &[
                    pure("no", "NO"),
                    pure("one", "ONE"),
                ]),
            ]),
        ]),
    doc("slaveof", "Make the server a replica of another instance, or promote it as master.", "1.0.0", "O(1)").deprecated().deprecated_since("5.0.0").replaced_by("`REPLICAOF`")
        .args(&[
            oneof("args", &[
                block("host-port", &[
                    string("host"),
                    integer("port"),
                ]),
                block("no-one", &[
                    pure("no", "NO"),
                    pure("one", "ONE"),
                ]),
            ]),
        ]),
    doc("role", "Return the role of the instance in the context of replication", "2.8.12", "O(1)"),
    doc("wait", "Wait for the synchronous replication of all the write commands sent in the context of the current connection", "3.0.0", "O(1)")
        .args(&[integer("numreplicas"), integer("timeout")]),
    // functions
    doc("function", "A container for function commands", "7.0.0", "Depends on subcommand."),
    doc("function|flush", "Deleting all functions", "7.0.0", "O(N) where N is the number of functions deleted")
        .args(&[oneof("async", &[pure("async", "ASYNC"), pure("sync", "SYNC")]).optional()]),
];
