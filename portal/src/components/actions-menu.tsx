import * as Menu from '@radix-ui/react-dropdown-menu';

export interface MenuAction {
  label: string;
  onSelect: () => void;
  danger?: boolean;
  disabled?: boolean;
}

/**
 * The connector list's Actions menu (Radix): Enter/Space/ArrowDown open it, arrow keys move,
 * Escape closes and returns focus to the button.
 */
export function ActionsMenu({ actions, disabled }: { actions: MenuAction[]; disabled: boolean }) {
  return (
    <Menu.Root>
      <Menu.Trigger className="button secondary" disabled={disabled}>
        Actions <span aria-hidden="true">▾</span>
      </Menu.Trigger>
      <Menu.Portal>
        <Menu.Content className="menu" align="end" sideOffset={4}>
          {actions.map((action) => (
            <Menu.Item
              key={action.label}
              className={action.danger ? 'menu-item danger' : 'menu-item'}
              disabled={action.disabled ?? false}
              onSelect={action.onSelect}
            >
              {action.label}
            </Menu.Item>
          ))}
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}
