/**
 * Steps shared by the suite's tours: elements are found by menu xml-ids,
 * never by a label, so the same steps run in English and in Chinese.
 */

/** Open the menu item ``itemXmlid`` under the top menu ``sectionXmlid``. */
export function menu(sectionXmlid, itemXmlid) {
    return [
        {
            content: `open the menu ${sectionXmlid}`,
            trigger: `.o_menu_sections [data-menu-xmlid='${sectionXmlid}']`,
            run: "click",
        },
        {
            content: `open ${itemXmlid}`,
            trigger: `.o-dropdown-item[data-menu-xmlid='${itemXmlid}']`,
            run: "click",
        },
    ];
}
