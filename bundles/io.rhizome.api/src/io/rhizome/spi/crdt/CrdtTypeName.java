package io.rhizome.spi.crdt;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Component property type that sets the {@value CrdtType#TYPE_PROPERTY} service property of a
 * {@link CrdtType} component: {@code @CrdtTypeName(type = "or-set")} registers the component with
 * {@code crdt.type=or-set}.
 *
 * <p>The element is called {@code type} rather than {@code value} on purpose: with {@code value} the
 * DS naming rules would derive the property name {@code crdt.type.name} from this annotation's name.
 *
 * @since 0.1
 */
@ComponentPropertyType
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface CrdtTypeName {

    /** Prepended to the element name, so that the property is {@value CrdtType#TYPE_PROPERTY}. */
    String PREFIX_ = "crdt.";

    /** The type name, equal to {@link CrdtType#name()}. */
    String type();
}
