/**
 * The pipeline's topics, declared once with their keys, value schemas, partitions and retention, so that
 * producers, consumers, provisioning and documentation cannot disagree about them.
 */
package io.civicpulse.schemas.topics;
