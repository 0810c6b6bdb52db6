package io.rhizome.examples.notes;

/**
 * The {@code Widget.setData(KEY, id)} names of the notes application's widgets, so a tool that
 * drives the application (the test driver, an accessibility bridge) finds them without knowing
 * the layout.
 */
public final class WidgetIds {
    /** The data key under which each named widget holds its id. */
    public static final String KEY = "io.rhizome.examples.notes.id";
    public static final String NOTE_LIST = "notes.list";
    public static final String NEW_TITLE = "notes.newTitle";
    public static final String NEW_BUTTON = "notes.new";
    public static final String EDITOR = "notes.editor";
    public static final String INVITE_BUTTON = "notes.invite";
    public static final String JOIN_BUTTON = "notes.join";
    public static final String STATUS = "notes.status";
    public static final String INVITE_CODE = "pair.code";
    public static final String INVITE_ADDRESS = "pair.address";
    public static final String INVITE_QR = "pair.qr";
    public static final String INVITE_STATE = "pair.state";
    public static final String JOIN_CODE = "join.code";
    public static final String JOIN_ADDRESS = "join.address";
    public static final String JOIN_OK = "join.ok";
    public static final String JOIN_RESULT = "join.result";

    private WidgetIds() {
    }
}
