package io.rhizome.core.internal.engine;

/** Stream ids: {@code namespace|author}. Namespace names cannot contain '|'. */
public final class Streams {

    private Streams() {
    }

    public static String id(String namespace, String author) {
        return namespace + '|' + author;
    }

    public static String namespace(String stream) {
        int bar = stream.indexOf('|');
        return bar < 0 ? stream : stream.substring(0, bar);
    }

    public static String author(String stream) {
        int bar = stream.indexOf('|');
        return bar < 0 ? "" : stream.substring(bar + 1);
    }
}
