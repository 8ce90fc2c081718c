/**
 * The FIWARE view: indicator values as NGSI-LD {@code KeyPerformanceIndicator} entities ({@link
 * io.civicpulse.serving.fiware.KpiEntities}, ids in {@link io.civicpulse.serving.fiware.KpiEntityId}) and their
 * push to an Orion-LD broker ({@link io.civicpulse.serving.fiware.OrionLdPusher}). docs/fiware.md describes both.
 */
package io.civicpulse.serving.fiware;
