/** The query API, the live stream, the dashboard and the FIWARE view over the indicator engine's results. */
package io.civicpulse.serving;
